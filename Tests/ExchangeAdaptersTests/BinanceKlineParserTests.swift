import ExchangeAdapters
import Foundation
import Indicators
import Testing

/// The kline event of Binance's documentation, with `x` and the prices left to the test.
private func documentedEvent(closed: Bool, close: String = "0.0020") -> String {
    """
    {
      "e": "kline", "E": 1672515782136, "s": "BNBBTC",
      "k": {
        "t": 1672515780000, "T": 1672515839999, "s": "BNBBTC", "i": "1m", "f": 100, "L": 200,
        "o": "0.0010", "c": "\(close)", "h": "0.0025", "l": "0.0015", "v": "1000", "n": 100,
        "x": \(closed), "q": "1.0000", "V": "500", "Q": "0.500", "B": "123456"
      }
    }
    """
}

@Suite struct BinanceKlineParserTests {
    @Test func streamEventCarriesTheKlineInMicroseconds() throws {
        let event = try BinanceKlineParser.streamEvent(documentedEvent(closed: false))
        #expect(event.symbol == "BNBBTC")
        #expect(event.interval == "1m")
        #expect(event.isClosed == false)
        #expect(event.eventTimeMicroseconds == 1_672_515_782_136_000)
        #expect(event.kline.closeTimeMicroseconds == 1_672_515_839_999_000)
        #expect(event.kline.bar == Bar(timestamp: 1_672_515_780_000_000, open: 0.0010, high: 0.0025, low: 0.0015, close: 0.0020, volume: 1000))
    }

    @Test func onlyClosedKlinesBecomeBars() throws {
        #expect(try BinanceKlineParser.closedBar(documentedEvent(closed: false)) == nil)
        let bar = try #require(try BinanceKlineParser.closedBar(documentedEvent(closed: true)))
        #expect(bar.timestamp == 1_672_515_780_000_000)
        #expect(bar.close == 0.0020)
    }

    @Test func combinedStreamWrapperIsUnwrapped() throws {
        let wrapped = #"{"stream":"bnbbtc@kline_1m","data":"# + documentedEvent(closed: true) + "}"
        let event = try BinanceKlineParser.streamEvent(wrapped)
        #expect(event.isClosed)
        #expect(event.kline.bar.open == 0.0010)
    }

    @Test func restKlinesFromTheDocumentedArray() throws {
        let body = """
        [
          [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815",
           1499644799999, "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]
        ]
        """
        let klines = try BinanceKlineParser.restKlines(Data(body.utf8))
        #expect(klines.count == 1)
        #expect(klines[0].bar == Bar(timestamp: 1_499_040_000_000_000, open: 0.01634790, high: 0.80000000, low: 0.01575800,
                                     close: 0.01577100, volume: 148976.11427815))
        #expect(klines[0].closeTimeMicroseconds == 1_499_644_799_999_000)
    }

    @Test func emptyRESTArrayIsNoKlines() throws {
        #expect(try BinanceKlineParser.restKlines(Data("[]".utf8)).isEmpty)
    }

    @Test func missingFieldIsNamed() {
        let text = documentedEvent(closed: true).replacingOccurrences(of: #""x": true,"#, with: "")
        #expect(throws: BinanceMessageError(field: "k.x", expected: "present", found: "no such field")) {
            try BinanceKlineParser.streamEvent(text)
        }
    }

    @Test func priceThatIsNotADecimalIsNamed() {
        #expect(throws: BinanceMessageError(field: "k.c", expected: #"a decimal number in a string, such as "0.0010""#, found: #""abc""#)) {
            try BinanceKlineParser.streamEvent(documentedEvent(closed: true, close: "abc"))
        }
    }

    @Test func closedFlagOfTheWrongTypeIsNamed() {
        let text = documentedEvent(closed: true).replacingOccurrences(of: #""x": true"#, with: #""x": "yes""#)
        #expect(throws: BinanceMessageError(field: "k.x", expected: "true or false", found: "another JSON type")) {
            try BinanceKlineParser.streamEvent(text)
        }
    }

    @Test func otherEventTypeIsRefused() {
        let text = documentedEvent(closed: true).replacingOccurrences(of: #""e": "kline""#, with: #""e": "trade""#)
        #expect(throws: BinanceMessageError(field: "e", expected: "`kline`", found: "`trade`")) {
            try BinanceKlineParser.streamEvent(text)
        }
    }

    @Test func textThatIsNotJSONIsRefused() throws {
        let error = try #require(throws: BinanceMessageError.self) { try BinanceKlineParser.streamEvent("not json") }
        #expect(error.field == "message")
        #expect(error.expected == "JSON")
    }

    @Test func restColumnOfTheWrongTypeIsNamedByRowAndColumn() {
        let body = #"[[1499040000000,"1","2","0.5","1.5","10",1499040059999],[1499040060000,1.5,"2","0.5","1.5","10",1499040119999]]"#
        #expect(throws: BinanceMessageError(field: "[1][1] (open)", expected: "a string", found: "another JSON type")) {
            try BinanceKlineParser.restKlines(Data(body.utf8))
        }
    }

    @Test func restVolumeThatIsNotADecimalIsNamed() {
        let body = #"[[1499040000000,"1","2","0.5","1.5","ten",1499040059999]]"#
        #expect(throws: BinanceMessageError(field: "[0][5] (volume)", expected: #"a decimal number in a string, such as "0.0010""#, found: #""ten""#)) {
            try BinanceKlineParser.restKlines(Data(body.utf8))
        }
    }

    @Test func shortRESTRowIsRefused() throws {
        let body = #"[[1499040000000,"1","2","0.5","1.5","10"]]"#
        let error = try #require(throws: BinanceMessageError.self) { try BinanceKlineParser.restKlines(Data(body.utf8)) }
        #expect(error.field.hasPrefix("[0]"))
        #expect(error.description.contains("malformed Binance message"))
    }
}

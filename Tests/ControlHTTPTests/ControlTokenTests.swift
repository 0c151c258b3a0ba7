import ControlHTTP
import Foundation
import Testing

/// Loading the token from the environment or a file, and keeping it out of printed values.
@Suite struct ControlTokenTests {
    /// A token file in a fresh directory, with the given permissions.
    static func tokenFile(_ contents: String, mode: Int) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratum-control-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("control.token").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents.utf8)))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test(arguments: [0o600, 0o400, 0o640])
    func fileClosedToOthersIsRead(mode: Int) throws {
        let path = try Self.tokenFile("\(testTokenValue)\n", mode: mode)
        let token = try #require(try ControlToken.load(environment: [:], file: path))
        #expect(SecretRedactor(secrets: []).adding(token).redact("x \(testTokenValue) y") == "x *** y")
    }

    @Test(arguments: [0o644, 0o604, 0o602, 0o666])
    func fileOpenToOthersIsRefusedWithAFix(mode: Int) throws {
        let path = try Self.tokenFile(testTokenValue, mode: mode)
        let error = #expect(throws: ControlPlaneError.self) { try ControlToken.read(file: path) }
        #expect(error == .tokenFileOpenToOthers(path: path, mode: mode))
        let message = try #require(error).description
        #expect(message.contains("chmod 600"))
        #expect(message.contains(String(mode, radix: 8)))
        #expect(!message.contains(testTokenValue))
    }

    @Test func missingFileIsRefused() {
        let path = "/nonexistent/stratum/control.token"
        #expect(throws: ControlPlaneError.tokenFileUnreadable(path: path)) { try ControlToken.read(file: path) }
    }

    @Test func emptyFileIsRefused() throws {
        let path = try Self.tokenFile(" \n", mode: 0o600)
        #expect(throws: ControlPlaneError.tokenEmpty(source: path)) { try ControlToken.read(file: path) }
    }

    @Test func shortTokenIsRefused() {
        #expect(throws: ControlPlaneError.tokenTooShort(source: ControlToken.environmentVariable, minimum: 16)) {
            try ControlToken.load(environment: [ControlToken.environmentVariable: "hunter2"], file: nil)
        }
    }

    @Test func environmentVariableIsReadWhenNoFileIsGiven() throws {
        let token = try #require(try ControlToken.load(environment: [ControlToken.environmentVariable: testTokenValue], file: nil))
        #expect(SecretRedactor(secrets: []).adding(token).redact(testTokenValue) == "***")
    }

    @Test func fileWinsOverTheEnvironment() throws {
        let fileValue = "from-file-0123456789abcdef"
        let path = try Self.tokenFile(fileValue, mode: 0o600)
        let token = try #require(try ControlToken.load(environment: [ControlToken.environmentVariable: testTokenValue], file: path))
        let redactor = SecretRedactor(secrets: []).adding(token)
        #expect(redactor.redact(fileValue) == "***")
        #expect(redactor.redact(testTokenValue) == testTokenValue)
    }

    @Test func neitherSourceMeansNoToken() throws {
        #expect(try ControlToken.load(environment: ["HOME": "/root"], file: nil) == nil)
    }

    @Test func printedTokenShowsNoValue() throws {
        let token = try ControlToken(testTokenValue)
        var dumped = ""
        dump(token, to: &dumped)
        for text in ["\(token)", String(reflecting: token), dumped, "\([token])"] {
            #expect(!text.contains(testTokenValue), "\(text)")
        }
    }
}

// A consumer for the fault tests: reads `execution.fill` as one consumer of a group and commits
// each message's effect (appending its id to a list) atomically with its ack; it also records
// every read in `<list>:reads`. The tests kill it
// with SIGKILL at random moments and check every effect happened exactly once.
//
// usage: redis-bus-consumer URL STRATEGY GROUP CONSUMER EFFECT-LIST DAWDLE-MICROSECONDS
import Foundation
import RedisBus

let arguments = CommandLine.arguments
guard arguments.count == 7, let dawdle = UInt32(arguments[6]) else {
    FileHandle.standardError.write(Data("usage: redis-bus-consumer URL STRATEGY GROUP CONSUMER EFFECT-LIST DAWDLE-MICROSECONDS\n".utf8))
    exit(2)
}
let endpoint = try RedisEndpoint(url: arguments[1])
let bus = RedisStreamsBus(strategy: arguments[2], endpoint: endpoint,
                          options: RedisBusOptions(readCount: 8, blockMilliseconds: 50, claimIdleMilliseconds: 200, claimIntervalMilliseconds: 100))
let effectList = arguments[5]
let recorder = RedisClient(endpoint: endpoint)
do {
    for try await delivery in try await bus.deliveries(of: [.executionFill], group: arguments[3], consumer: arguments[4]) {
        // Every read is recorded (not atomically with anything), so the test can tell that kills
        // did land between reading and committing.
        try await recorder.send(RedisCommand("RPUSH", effectList + ":reads", delivery.message.id))
        // Widens the window between reading and committing, where a kill leaves the message pending.
        if dawdle > 0 { usleep(UInt32.random(in: 0...dawdle)) }
        try await delivery.commit([RedisCommand("RPUSH", effectList, delivery.message.id)])
    }
} catch {
    FileHandle.standardError.write(Data("redis-bus-consumer: \(error)\n".utf8))
    exit(1)
}

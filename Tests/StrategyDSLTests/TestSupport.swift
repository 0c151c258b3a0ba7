import Foundation

/// The package root, for the committed docs and the shipped strategies.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func repositoryText(_ path: String) -> String? {
    FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent(path).path).map { String(decoding: $0, as: UTF8.self) }
}

import Foundation
import Testing
@testable import Storage

/// Hashing input files for the manifest; expected digests from `sha256sum`.
@Suite struct FileDigestTests {
    /// `printf 'hello\n' | sha256sum`
    @Test func digestMatchesSha256sum() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("data.csv")
        try Data("hello\n".utf8).write(to: url)
        let digest = try FileDigest(contentsOf: url, recordedAs: "data/data.csv")
        #expect(digest == FileDigest(
            path: "data/data.csv", sha256: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"))
    }

    @Test func missingFileIsNamed() throws {
        let folder = try TemporaryDirectory()
        let url = folder.file("absent.csv")
        #expect {
            try FileDigest(contentsOf: url, recordedAs: "absent.csv")
        } throws: { error in
            (error as? StorageError)?.kind == .missingFile && "\(error)".hasPrefix(url.path)
        }
    }
}

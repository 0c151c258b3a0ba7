import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open data file read with `read(2)`, turning every failure into a `FeedError`.
struct CSVFile {
    let path: String
    private let descriptor: Int32

    init(path: String) throws(FeedError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw FeedError.missingFile(file: path) }
            throw FeedError.unreadableFile(file: path, reason: String(cString: strerror(code)))
        }
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw FeedError.unreadableFile(file: path, reason: "it is a directory")
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw FeedError.unreadableFile(file: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
    }

    func closeFile() {
        _ = close(descriptor)
    }

    /// Reads up to the buffer's size; 0 means end of file.
    func readChunk(into buffer: UnsafeMutableRawBufferPointer, line: Int) throws(FeedError) -> Int {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw FeedError.unreadableFile(file: path, line: line, reason: String(cString: strerror(errno)))
        }
    }

    /// The first line without its line break or a UTF-8 byte-order mark, or nil for an empty file.
    func firstLine() throws(FeedError) -> String? {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = try readChunk(into: chunk, line: 1)
            if count == 0 { break }
            let read = chunk[..<count]
            if let newline = read.firstIndex(of: UInt8(ascii: "\n")) {
                bytes += read[..<newline]
                break
            }
            bytes += read
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        if bytes.isEmpty { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

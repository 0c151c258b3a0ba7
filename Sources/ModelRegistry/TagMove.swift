import Foundation

/// One line of `registry/<name>/history.jsonl`: a tag moved from one version to another.
///
/// The history is append-only; `rollback` reads it to find where a tag was before.
public struct TagMove: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable { case promote, rollback }

    public var time: Date
    /// The `USER` of the process that moved the tag.
    public var user: String
    public var tag: String
    /// The version the tag pointed to before, nil when the tag is new.
    public var from: String?
    public var to: String
    public var action: Action
    public var reason: String
    /// Whether the promotion gate was overridden with `--force`.
    public var forced: Bool

    public init(time: Date, user: String, tag: String, from: String?, to: String, action: Action, reason: String, forced: Bool) {
        self.time = time
        self.user = user
        self.tag = tag
        self.from = from
        self.to = to
        self.action = action
        self.reason = reason
        self.forced = forced
    }
}

extension [TagMove] {
    /// The versions a tag has stood on, oldest first, with rolled-back promotions removed.
    ///
    /// A promotion pushes its version, a rollback pops one, so rolling back twice walks two
    /// steps back rather than bouncing between the last two versions.
    func lineage(of tag: String) -> [String] {
        var stack: [String] = []
        for move in self where move.tag == tag {
            switch move.action {
            case .promote: stack.append(move.to)
            case .rollback: if !stack.isEmpty { stack.removeLast() }
            }
        }
        return stack
    }
}

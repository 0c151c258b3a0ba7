import Foundation

extension ModelRegistry {
    /// Points a tag at a version, if the promotion gate allows it.
    ///
    /// Under the model's lock: the version is verified (checksums), the gate is judged
    /// against the version the tag points to at that moment, `tags.json` is replaced
    /// atomically and the move is appended to `history.jsonl`. Two concurrent promotions are
    /// serialised by the lock, so the second is judged against the first one's result.
    ///
    /// - Parameters:
    ///   - force: skip the gate; needs a `reason` and is recorded as forced.
    /// - Returns: the history entry written, or nil when the tag already points to `version`
    ///   (nothing is written, so the history holds only real moves).
    /// - Throws: `RegistryError.gateRefused` listing every failed condition, or a lookup,
    ///   checksum or I/O error.
    @discardableResult
    public func promote(_ name: String, version: String, to tag: String, force: Bool = false, reason: String? = nil) throws -> TagMove? {
        try RegistryNames.validateTag(tag)
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if force && reason.isEmpty { throw RegistryError.forceNeedsReason }
        let reference = try ModelReference(name: name, selector: .version(version))
        _ = try resolve(reference)
        return try RegistryFiles.withExclusiveLock(lockFile(name)) {
            var tags = try tags(of: name)
            let current = tags[tag]
            if current == version { return nil }
            let gate = try gate(of: name)
            var forced = false
            if gate.gatedTags.contains(tag) {
                let failures = try gateFailures(name, candidate: version, current: current, gate: gate)
                if !failures.isEmpty {
                    guard force else { throw RegistryError.gateRefused(model: name, version: version, tag: tag, failures: failures) }
                    forced = true
                }
            }
            tags[tag] = version
            let move = TagMove(time: now(), user: user, tag: tag, from: current, to: version, action: .promote,
                               reason: reason, forced: forced || force)
            try write(tags: tags, move: move, model: name)
            return move
        }
    }

    /// Moves a tag back to the version it pointed to before its latest promotion.
    ///
    /// Rollback is the way out of a bad promotion, so it is not gated; the target version is
    /// still verified. Repeated rollbacks walk further back through the tag's history.
    ///
    /// - Throws: `RegistryError.nothingToRollBack` when the history has no earlier version.
    @discardableResult
    public func rollback(_ name: String, tag: String, reason: String? = nil) throws -> TagMove {
        try RegistryNames.validateTag(tag)
        return try RegistryFiles.withExclusiveLock(lockFile(name)) {
            var tags = try tags(of: name)
            guard let current = tags[tag] else { throw RegistryError.unknownTag(model: name, tag: tag, known: tags) }
            let lineage = try history(of: name).lineage(of: tag)
            guard lineage.count >= 2, lineage.last == current else {
                throw RegistryError.nothingToRollBack(model: name, tag: tag)
            }
            let target = lineage[lineage.count - 2]
            _ = try resolve(ModelReference(name: name, selector: .version(target)))
            tags[tag] = target
            let move = TagMove(time: now(), user: user, tag: tag, from: current, to: target, action: .rollback,
                               reason: reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", forced: false)
            try write(tags: tags, move: move, model: name)
            return move
        }
    }

    /// The gate's verdict on every gated tag for one version, as `promote` would judge it now.
    public func gateDecisions(_ name: String, version: String) throws -> [GateDecision] {
        let gate = try gate(of: name)
        let tags = try tags(of: name)
        return try gate.gatedTags.map { tag in
            GateDecision(tag: tag, candidate: version, current: tags[tag],
                         failures: try gateFailures(name, candidate: version, current: tags[tag], gate: gate))
        }
    }

    private func gateFailures(_ name: String, candidate: String, current: String?, gate: PromotionGate) throws -> [String] {
        let records = try shadowEvaluations(of: name)
        let candidateRecord = records.last { $0.version == candidate }
        let currentRecord = current.flatMap { current in current == candidate ? nil : records.last { $0.version == current } }
        return gate.failures(candidate: candidateRecord, current: currentRecord)
    }

    /// The history line goes first: a crash between the two writes leaves a recorded move
    /// that did not happen (visible to `verify`) rather than a move with no record.
    private func write(tags: [String: String], move: TagMove, model: String) throws {
        let folder = root.appendingPathComponent(model)
        try RegistryFiles.append(try RegistryJSON.lineBytes(move), to: folder.appendingPathComponent("history.jsonl"))
        try RegistryFiles.writeAtomically(try RegistryJSON.fileBytes(tags), to: folder.appendingPathComponent("tags.json"))
    }
}

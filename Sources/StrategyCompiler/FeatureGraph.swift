/// Graph helpers shared by the feature graph and ensembles.
public enum FeatureGraph {
    /// Kahn's order over `nodes` (declaration order breaks ties, so output is stable), and every
    /// cycle found, each as the path of names in the order they depend on each other.
    public static func topologicalOrder(_ nodes: [String], dependencies: [String: [String]]) -> (order: [String], cycles: [[String]]) {
        var indegree: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for node in nodes { indegree[node] = 0 }
        for node in nodes {
            for dependency in dependencies[node] ?? [] where indegree[dependency] != nil {
                indegree[node, default: 0] += 1
                dependents[dependency, default: []].append(node)
            }
        }
        var ready = nodes.filter { indegree[$0] == 0 }
        var order: [String] = []
        while !ready.isEmpty {
            let node = ready.removeFirst()
            order.append(node)
            for dependent in dependents[node] ?? [] {
                indegree[dependent]! -= 1
                if indegree[dependent] == 0 { ready.append(dependent) }
            }
        }
        guard order.count < nodes.count else { return (order, []) }
        // What is left lies on or behind a cycle; walk dependencies to find each cycle once.
        let remaining = Set(nodes).subtracting(order)
        var reported = Set<String>()
        var cycles: [[String]] = []
        for start in nodes where remaining.contains(start) && !reported.contains(start) {
            var path: [String] = []
            var position: [String: Int] = [:]
            var current = start
            while position[current] == nil {
                position[current] = path.count
                path.append(current)
                guard let next = (dependencies[current] ?? []).first(where: { remaining.contains($0) }) else { break }
                current = next
            }
            if let index = position[current] {
                let cycle = Array(path[index...])
                if !cycle.contains(where: reported.contains) {
                    cycles.append(cycle)
                }
                cycle.forEach { reported.insert($0) }
            }
            path.forEach { reported.insert($0) }
        }
        return (order, cycles)
    }
}

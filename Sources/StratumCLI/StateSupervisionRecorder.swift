import Agents
import Foundation
import Runtime
import Storage

/// Where the Supervisor of `stratum run --state DIR` persists what it decides: kill-switch moves
/// in `DIR/state.sqlite` (so a restart stays halted until `stratum resume`), incidents as a row
/// there and a markdown file under `DIR/incidents/`, secrets redacted by the store.
struct StateSupervisionRecorder: SupervisionRecorder {
    let store: StateStore
    let folder: URL

    /// Persists the move from wherever the stored switch stands: the agents' own drawdown trip
    /// may have moved it since the Supervisor last looked.
    func recordKillSwitch(_ transition: KillSwitchTransition) throws {
        var move = transition
        move.from = try store.killSwitch().state
        guard move.from != move.to else { return }
        try store.recordKillSwitch(move)
    }

    func recordIncident(_ incident: SupervisorIncident) throws -> String? {
        folder.appendingPathComponent(try store.recordIncident(incident).file).path
    }
}

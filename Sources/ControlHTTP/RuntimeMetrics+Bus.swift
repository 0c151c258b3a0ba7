public import Prometheus

/// The bus of a run whose agents talk over Redis (`stratum run --bus`).
extension RuntimeMetrics {
    private static var busOutages: MetricNameDescriptor {
        MetricNameDescriptor(namespace: namespace, metricName: "bus_outages", unitName: "total",
                             helpText: "Times the message bus (Redis) became unreachable.")
    }

    /// Makes `stratum_bus_outages_total` exist at zero, so a dashboard sees the series before the first outage.
    public func registerBusMetrics() {
        _ = registry.makeCounter(descriptor: Self.busOutages)
    }

    /// One outage of the bus began.
    public func busOutage() {
        // The registry hands back the counter registered under the same name.
        registry.makeCounter(descriptor: Self.busOutages).increment()
    }
}

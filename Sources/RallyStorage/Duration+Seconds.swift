/// A duration as seconds with a fraction: for logs and SQL intervals.
extension Duration {
    package var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

import RallyCore
import Testing

/// Which addresses a webhook may reach: public unicast only, every other kind named, in IPv4, IPv6 and IPv4 written as
/// IPv6.
@Suite struct NetworkAddressTests {
    @Test(arguments: [
        ("93.184.216.34", NetworkAddress.Kind.public), ("8.8.8.8", .public), ("172.32.0.1", .public), ("100.128.0.1", .public),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("127.0.0.1", .loopback), ("127.255.255.254", .loopback),
        ("10.0.0.1", .private), ("172.16.0.1", .private), ("172.31.255.255", .private), ("192.168.1.1", .private), ("100.64.0.1", .private),
        ("169.254.169.254", .linkLocal), ("224.0.0.1", .multicast), ("239.255.255.250", .multicast),
        ("255.255.255.255", .reserved), ("240.0.0.1", .reserved), ("192.0.0.8", .reserved), ("198.18.0.1", .reserved),
        ("2606:4700::1111", .public), ("2001:db8::1", .public),
        ("::", .unspecified), ("::1", .loopback), ("fe80::1", .linkLocal), ("febf::1", .linkLocal), ("fec0::1", .private),
        ("fc00::1", .private), ("fd12:3456::1", .private), ("ff02::1", .multicast),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:169.254.169.254", .linkLocal), ("::ffff:10.1.2.3", .private), ("::ffff:8.8.8.8", .public),
        ("::127.0.0.1", .loopback), ("64:ff9b::a9fe:a9fe", .linkLocal), ("64:ff9b::808:808", .public),
    ])
    func addressesAreClassified(_ text: String, _ kind: NetworkAddress.Kind) throws {
        #expect(try #require(NetworkAddress(text)).kind == kind)
    }

    @Test func namesAndMalformedTextAreNotAddresses() {
        for text in ["example.com", "localhost", "127.1", "1.2.3.4.5", "::ffff::1", "", "0x7f000001", "2130706433"] {
            #expect(NetworkAddress(text) == nil, "\(text)")
        }
    }

    @Test func addressesAreWrittenBack() {
        #expect(NetworkAddress("192.0.2.1")?.description == "192.0.2.1")
        #expect(NetworkAddress("2001:db8::1")?.description == "2001:db8:0:0:0:0:0:1")
    }
}

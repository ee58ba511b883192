import XCTest
@testable import ZooImage
final class ImagePlaceholderTests: XCTestCase { func testNothing() {} }

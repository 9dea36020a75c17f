// swift-tools-version: 6.1
//
// An example of a user's package that tests a model deployment with sersim's Swift API
// (docs/api.md). It depends on the sersim checkout two directories up; in your own
// package, depend on sersim's repository instead:
//
//     .package(url: "<sersim's git URL>", branch: "main")
//
// `swift test` here builds sersim as a dependency, then runs Tests/SerSimExampleTests.

import PackageDescription

let package = Package(
    name: "SerSimExample",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "sersim", path: "../.."),
    ],
    targets: [
        .testTarget(
            name: "SerSimExampleTests",
            dependencies: [.product(name: "SerSim", package: "sersim")],
            // The model, its sample input and TFLM's expected output sit beside the tests
            // (links to Examples/ser/); Deployment finds them relative to the test file.
            exclude: ["ser.q8", "sample_input.npy", "expected_output.json"]
        ),
    ]
)

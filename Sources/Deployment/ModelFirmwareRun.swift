import BoardProfiles
import CycleTiming
import ELFFile
import Foundation

extension Deployment {
    /// Run a model firmware that sersim built and wrote as an ELF (`--emit-elf`): it carries
    /// its metadata in `.sersim.model`, so the report is the one `sersim run model` gives
    /// for the same instructions. Nil when the image is not such a firmware.
    public static func runModelFirmware(
        _ image: FirmwareImage, board: Board, clockHz: Double? = nil, dutyCycle: DutyCycle? = nil,
        timing: TimingModelKind? = nil, maxCycles: UInt64 = 20_000_000_000
    ) throws -> DeploymentReport? {
        guard let bytes = image.sersimSections[FirmwareMetadata.sectionName] else { return nil }
        let meta = try FirmwareMetadata.decode(bytes, origin: image.origin)
        let start = Date()
        let m = try ModelRunner(clockHz: clockHz, timing: timing, maxCycles: maxCycles)
            .run(image: image, board: board, metadata: meta)
        var report = ReportComposer(board: board, clockHz: clockHz ?? board.clock.defaultHz, dutyCycle: dutyCycle)
            .compose(meta, m)
        if meta.board != board.name {
            report.estimateReasons.append("the firmware was built for \(meta.board) and run on \(board.name)")
        }
        if report.verified == false {
            throw DeploymentError.verification("VERIFICATION FAILED: \(image.origin): the outputs differ from the reference "
                                               + "outputs recorded when the firmware was built")
        }
        report.hostSeconds = Date().timeIntervalSince(start)
        return report
    }
}

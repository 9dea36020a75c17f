// The library product users' tests import: everything the command line does.
//
//     import SerSim
//     let report = try Deployment(model: "ser.q8", board: "nano33ble").run()
//
// docs/api.md describes the API. The modules below are re-exported because their types
// appear in it: `Deployment`, `DeploymentOptions`, `DeploymentReport`, `MemoryPlan`
// (Deployment); `Board`, `BoardLibrary`, `DutyCycle`, `Battery`, `Quantity`
// (BoardProfiles); `TimingModelKind` (CycleTiming); `Model`, `ModelLoader`
// (QuantModel); `FirmwareImage`, `ELFReader` (ELFFile); `Machine`, `FaultReport`
// (CortexM, for running ELF firmware). The ISA tables and the kernel compiler stay
// internal to the command line.
@_exported import BoardProfiles
@_exported import CortexM
@_exported import CycleTiming
@_exported import Deployment
@_exported import ELFFile
@_exported import QuantModel

import ArgumentParser
import Foundation
import SerSim

/// `sersim boards`: the board library as a table, one board with its sources, or JSON.
struct BoardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boards",
        abstract: "List the board profiles, or show one with its sources.",
        discussion: """
            Boards are JSON files found in $SERSIM_BOARDS (':'-separated directories), then the \
            checkout's Boards/, then ./Boards. See docs/boards.md for the format.
            """,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List every board (the default).")

        @Flag(name: .long, help: "Print a JSON array instead of a table.")
        var json = false

        func run() throws {
            let (boards, errors) = BoardLibrary.scan()
            if json {
                print(jsonText(boards.map(\.summaryObject)))
            } else {
                print(table(boards), terminator: "")
            }
            for e in errors { FileHandle.standardError.write(Data("error: \(e)\n".utf8)) }
            if !errors.isEmpty { throw ExitCode(1) }
            if boards.isEmpty {
                FileHandle.standardError.write(Data("error: no boards found (searched \(BoardLibrary.searchDirectories().joined(separator: ", ")))\n".utf8))
                throw ExitCode(1)
            }
        }

        func table(_ boards: [Board]) -> String {
            let header = ["NAME", "BOARD", "CORE", "CLOCK", "FLASH", "SRAM", "RUN mW"]
            var rows: [[String]] = []
            var notes: Set<String> = []
            for b in boards {
                var mw = "—"
                if let w = b.defaultRunWatts { mw = Format.trim(w * 1e3) } else { notes.insert("— no cited power data") }
                if b.isEstimate { mw = "~" + mw; notes.insert("~ estimate (approximate core)") }
                else if b.defaultRunIsExtrapolated { mw = "~" + mw; notes.insert("~ estimate (current extrapolated beyond the datasheet points)") }
                var core = b.core.kind.displayName
                if !b.core.kind.executes { core += " (fit only)" }
                rows.append([b.name, b.displayName, core, Format.hertz(b.clock.defaultHz), Format.bytes(b.flashBytes),
                             Format.bytes(b.sramBytes), mw])
            }
            var widths = header.map(\.count)
            for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, c in
                    i == cells.count - 1 ? String(repeating: " ", count: widths[i] - c.count) + c
                        : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                }.joined(separator: "  ") + "\n"
            }
            var s = line(header)
            for r in rows { s += line(r) }
            for n in notes.sorted() { s += n + "\n" }
            return s
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one board with the source of every figure.")

        @Argument(help: "Board name or path to a board JSON file.")
        var board: String

        @Flag(name: .long, help: "Print one JSON object instead of text.")
        var json = false

        func run() throws {
            let b = try BoardLibrary.load(board)
            print(json ? jsonText(b.detailObject) : b.detailText(), terminator: json ? "\n" : "")
        }
    }
}

func jsonText(_ object: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
}

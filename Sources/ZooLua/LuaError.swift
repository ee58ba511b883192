// Script errors (message with file:line, plus traceback) and Lua-style argument errors.

/// A Lua error that reached Swift: `message` starts with "file:line:" when Lua knows the position;
/// `traceback` is Lua's "stack traceback:" listing (may be empty).
public struct ScriptError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var traceback: String

    public init(message: String, traceback: String = "") {
        self.message = message
        self.traceback = traceback
    }

    /// Splits the "message\nstack traceback:\n..." text our message handler produces.
    init(handlerOutput text: String) {
        if let r = text.range(of: "\nstack traceback:") {
            message = String(text[..<r.lowerBound])
            traceback = String(text[text.index(after: r.lowerBound)...])
        } else {
            message = text
            traceback = ""
        }
    }

    public var description: String { message }
}

/// An argument error, worded as luaL_argerror: "bad argument #2 to 'Conv2d' (number expected, got string)".
struct LuaArgumentError: Error, CustomStringConvertible {
    var description: String
}

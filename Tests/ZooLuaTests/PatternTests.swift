// The sandbox's bounded string functions (lua_patterns.c) against Lua's string library: same
// results and errors on a table of patterns and subjects, and on random patterns.
import XCTest
@testable import ZooLua

final class PatternTests: XCTestCase {
    /// Lua that defines `check(name, ...)` (compares string[name] with the sandbox's bounded one,
    /// collecting differences in `diffs`) and `report()`; the test's own code follows.
    static let harness = """
        local real = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = string.gsub,
          rep = string.rep, move = table.move }
        local bounded = require('zoo').sandbox().string
        bounded.move = require('zoo').sandbox().table.move
        for name, f in pairs(real) do assert(bounded[name] ~= f, name .. ' is the library function itself') end
        local function call(f, ...) return f(...) end  -- one call site, so messages name 'f' for both
        local function gmatch_all(f, ...)
          local out, n = {}, 0
          for a, b, c in f(...) do
            n = n + 1
            out[n] = tostring(a) .. '|' .. tostring(b) .. '|' .. tostring(c)
            if n > 50 then break end
          end
          return table.concat(out, ';')
        end
        -- move(src, f, e, t, dest) on fresh copies of src and dest; the result as text.
        local function move_text(move, src, f, e, t, dest)
          local function fresh(x) return type(x) == 'table' and table.move(x, 1, #x, 1, {}) or x end
          local r = move(fresh(src), f, e, t, fresh(dest))
          local out = {}
          for i = -2, 8 do out[#out + 1] = tostring(rawget(r, i)) end
          return table.concat(out, ',')
        end
        local function run(name, impl, ...)
          if name == 'gmatch' then return table.pack(pcall(gmatch_all, impl.gmatch, ...)) end
          if name == 'move' then return table.pack(pcall(move_text, impl.move, ...)) end
          return table.pack(pcall(call, impl[name], ...))
        end
        local function show(r)
          local parts = {}
          for i = 1, r.n do parts[i] = type(r[i]) == 'string' and string.format('%q', r[i]) or tostring(r[i]) end
          return '(' .. table.concat(parts, ', ') .. ')'
        end
        local function same(a, b)
          if a.n ~= b.n then return false end
          for i = 1, a.n do
            if type(a[i]) == 'table' then
              if type(b[i]) ~= 'table' then return false end
            elseif a[i] ~= b[i] or math.type(a[i]) ~= math.type(b[i]) then return false end
          end
          return true
        end
        diffs, count = {}, 0
        function check(name, ...)
          count = count + 1
          local a, b = run(name, real, ...), run(name, bounded, ...)
          if not same(a, b) and #diffs < 20 then
            diffs[#diffs + 1] = name .. show(table.pack(...)) .. ': string library ' .. show(a) .. ', bounded ' .. show(b)
          end
        end
        function report() return count, table.concat(diffs, '\\n') end
        """

    func compare(_ code: String, atLeast: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let lua = try makeLua()
        let r = try lua.run(Self.harness + "\n" + code + "\nreturn report()", name: "=patterns")
        XCTAssertGreaterThanOrEqual(r[0] as? Int ?? 0, atLeast, file: file, line: line)
        XCTAssertEqual(r[1] as? String, "", file: file, line: line)
    }

    func testTableOfPatternsAndSubjects() throws {
        try compare("""
            local subjects = { '', 'a', 'aaa', 'hello world', 'abc123 def_45', '  x  ', '[(x)]', 'a.b.c', '%d', 'THE (quick) fox',
              'a\\0b\\0', 'key=val; k2 = v2', 'f(a(b)c)d', 'xyxyxy', '\\t\\n end', 'caf\\195\\169', ('a'):rep(40) }
            local patterns = { '', 'a', '.', 'a*', 'a+', 'a-', 'a?', '^a', 'a$', '^$', '^', '$', 'x$y', '^^a',
              '%a+', '%A+', '%d+', '%D', '%l%u', '%s*', '%S+', '%w+', '%W', '%p', '%P+', '%c', '%x+', '%g+', '%u+', '%z', '%.', '%%',
              '[abc]', '[^abc]', '[a-c]+', '[%a_][%w_]*', '[]]', '[^]]', '[a-]', '[-a]', '[%]]', '[%w.]+', '[a-z0-9]', '[^%s]+', '[%a-]+',
              '(a)', '(a)(b)', '()', '()a()', '(a*(.)%w(%s*))', '((a)(b))', '(%w+)=(%w+)', '(%w+)%s*=%s*(%w+)', '(a)%1', '(%w)%1', '(x)(y)%2%1',
              '%b()', '%b[]', '%bxy', '%b((', '%f[%w]%w+', '%f[%W]', '%f[%a]', '%f[^%z]', '%f[%z]', '.-', '.-b', 'a.-c', '(.-)%s', '^(%s*)',
              'x*$', '.-$', '(a-)b', 'a?a?a', '%s*$', '\\0', '%z+', '.%f[%z]', 'a%f[^a]', ('(a)'):rep(33), ('a?'):rep(20) .. ('a'):rep(20),
              '%', '[a', '%b', '%ba', '%f', '%fx', '(()', '(a', 'a)', '%0', '%1', '(a)%2', '[%', '[^', 'a[', '%f[', '%b(', '(a)(' }
            for _, s in ipairs(subjects) do
              for _, p in ipairs(patterns) do
                check('find', s, p)
                check('match', s, p)
                check('gmatch', s, p)
                check('gsub', s, p, '<%0>')
                check('gsub', s, p, '%1%%', 2)
              end
            end
            for _, p in ipairs { 'a', '%w+', '(%w)(%w)', '()', '(a)()', 'x' } do
              for _, s in ipairs { 'abc', 'a1 b2', 'aaa' } do
                check('gsub', s, p, { a = 'A', ab = false, b = 1.5, [1] = 'one' })
                check('gsub', s, p, function(x, y) return y and (x .. y) or (x == 'b' and false or x .. '!') end)
                check('gsub', s, p, function() return {} end)
                check('gsub', s, p, '%2')
                check('gsub', s, p, '%x')
                check('gsub', s, p, 12)
                check('gsub', s, p, nil)
                for _, n in ipairs { -1, 0, 1, 2, 1.5 } do check('gsub', s, p, '-', n) end
              end
            end
            for _, init in ipairs { -100, -3, -1, 0, 1, 2, 3, 4, 5, 100, 2.5, 'x', math.mininteger, math.maxinteger } do
              for _, p in ipairs { 'a', '', 'b.', '^a', '.-', 'a.b', '(b)' } do
                check('find', 'aba', p, init)
                check('find', 'aba', p, init, true)
                check('match', 'aba', p, init)
                check('gmatch', 'aba', p, init)
              end
            end
            check('find', 'a.b', '.', 1, true)
            check('find', 'a+b', 'a+', 1, true)
            check('find', 'abc', 'b', nil, 1)
            check('find', nil, 'a')
            check('find', 'a', nil)
            check('find', 12345, 34)
            check('match', 12345, '%d%d')
            check('gsub', 12345, '3', 'x')
            check('gsub', 12345, 'x', 'y')
            for _, args in ipairs { {'ab', 3}, {'ab', 3, ','}, {'', 5}, {'', 5, '-'}, {'x', 0}, {'x', -1}, {'x', 1}, {'x', 2.5},
                {'x', '3'}, {5, 2}, {'x', 2^31}, {'xy', 2^30}, {'', 1000}, {'x'}, {nil, 2} } do
              check('rep', table.unpack(args, 1, 3))
            end
            for _, args in ipairs { {1, 3, 2}, {1, 3, 3}, {2, 3, 1}, {1, 0, 5}, {-1, 2, 1}, {1, 3, 1, {}}, {1, 2, math.maxinteger} } do
              check('move', {1, 2, 3}, args[1], args[2], args[3], args[4])
            end
            check('move', 'x', 1, 1, 1)
            check('move', {}, math.mininteger, 1, 1)
            """, atLeast: 9000)
    }

    func testRandomPatterns() throws {
        try compare("""
            math.randomseed(20261202)
            local tokens = { 'a', 'b', '.', '%a', '%d', '%s', '[ab]', '[^a]', '[a-c]', '(', ')', '()', '*', '+', '-', '?', '^', '$',
              '%b()', '%f[a]', '%f[%s]', '%1', '%2', '%', '[', ']', 'x' }
            local letters = { 'a', 'b', '1', ' ', '(', ')', 'c' }
            for _ = 1, 4000 do
              local p, s = {}, {}
              for i = 1, math.random(1, 7) do p[i] = tokens[math.random(#tokens)] end
              for i = 1, math.random(0, 9) do s[i] = letters[math.random(#letters)] end
              p, s = table.concat(p), table.concat(s)
              check('find', s, p)
              check('match', s, p, math.random(-3, 4))
              check('gmatch', s, p)
              check('gsub', s, p, '[%0]')
            end
            """, atLeast: 16000)
    }
}

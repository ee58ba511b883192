// zoo.image.save_grid's row_labels from Lua: a labelled grid, and one error naming the option for bad labels.
import Foundation
import XCTest
@testable import ZooLua

final class GridLabelTests: XCTestCase {
    func testSaveGridWritesLabelsBesideTheRows() throws {
        let dir = try temporaryFolder(self)
        let r = try makeLua().run("""
            local zoo = require 'zoo'
            local t = zoo.rand(4, 3, 64, 64) * 2 - 1
            zoo.image.save_grid(t, '\(dir)/plain.png', {nrow = 2, padding = 2})
            zoo.image.save_grid(t, '\(dir)/labelled.png', {nrow = 2, padding = 2, row_labels = {"a red apple", "a blue heart"}})
            local plain, labelled = zoo.image.load('\(dir)/plain.png'), zoo.image.load('\(dir)/labelled.png')
            local margin = labelled:size(3) - plain:size(3)
            local moved = (labelled:slice(3, margin + 1, plain:size(3)) - plain):pow(2):sum():item()
            -- The first row (y 2..65) has its label on y 27..39: white text, black above it.
            local text, above = labelled:slice(3, 1, margin):slice(2, 28, 13), labelled:slice(3, 1, margin):slice(2, 1, 27)
            local ink, ink_above = (text + 1):sum():item(), (above + 1):sum():item()
            return string.format("%d %d %g %s %g", margin, labelled:size(2) - plain:size(2), moved, tostring(ink > 0), ink_above)
            """)
        // 12 characters of 6 pixels and 4 on either side; the images moved, not changed.
        XCTAssertEqual(r.first as? String, "80 0 0 true 0")
    }

    func testBadRowLabelsNameTheOption() throws {
        let lua = try makeLua()
        let path = try temporaryFolder(self) + "/never.png"
        let save = "local zoo = require 'zoo'\nzoo.image.save_grid(zoo.zeros(4, 3, 8, 8), '\(path)', "
        assertScriptError(lua, save + "{nrow = 2, row_labels = {'a'}})",
                          ["test:2: bad argument #3 to ", "(option 'row_labels': 1 labels for a grid of 2 rows (4 images, nrow = 2))"])
        assertScriptError(lua, save + "{nrow = 2, row_labels = {'a', 3}})", ["(option 'row_labels[2]': string expected, got number)"])
        assertScriptError(lua, save + "{row_labels = 'a'})", ["(option 'row_labels': table of strings expected, got string)"])
        assertScriptError(lua, save + "{row_label = {'a'}})", ["unknown option 'row_label'; did you mean 'row_labels'?"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }
}

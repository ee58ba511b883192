-- Tiny StackGAN-v2 and v1 checkpoints for make_pth_fixtures.py: `stackzoo run Tests/Fixtures/pth/tiny_models.lua DIR`.
local zoo = require("zoo")
local dir = arg[1] or "."
zoo.seed(18)
local tiny = {"arch.gf=4", "arch.df=2", "arch.z=4", "arch.condition=2", "arch.text=8"}
zoo.model("stackgan-v2/birds", {"arch.branches=2", table.unpack(tiny)}):save_checkpoint(dir .. "/tiny_v2.safetensors")
zoo.model("stackgan-v1/birds-stage1", tiny):save_checkpoint(dir .. "/tiny_v1.safetensors")

-- The emoji demo with one block swapped from Lua: the generator's ×2 upsampling block becomes
-- nearest ×2 → 3×3 conv → BN → LeakyReLU (a DCGAN-style block) instead of StackGAN's GLU block.
return {
  extends = "stackgan-v2/emoji",
  description = "emoji demo with a LeakyReLU upsampling block swapped in from Lua (block slot)",
  arch = {
    up_block = function(cin, cout)
      local nn = zoo.nn
      return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout, { kernel = 3, padding = 1, bias = false }),
        nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))
    end,
  },
}

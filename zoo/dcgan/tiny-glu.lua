-- The tiny DCGAN with its upsampling block swapped for StackGAN-v2's GLU block (a block slot).
return {
  extends = "dcgan/tiny",
  description = "tiny DCGAN whose ×2 block is StackGAN's upsample + conv + BN + GLU",
  arch = {
    up_block = function(cin, cout)
      local nn = zoo.nn
      return nn.Sequential(nn.Upsample { scale = 2 }, nn.Conv2d(cin, cout * 2, { kernel = 3, padding = 1, bias = false }),
        nn.BatchNorm2d(cout * 2), nn.GLU())
    end,
  },
}

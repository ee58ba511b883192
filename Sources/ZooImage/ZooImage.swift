// ZooImage: image files (PNG, JPEG) and image tensors; this file only maps the module.
//
// Image.swift        `Image` (8-bit HWC), channel conversions, `Image.load` (PNG/JPEG by magic bytes)
// PNG.swift          PNG read/decode/write/encode through libpng's simplified png_image API
// JPEG.swift         JPEG read/decode through the CZooShims decoder (libjpeg's setjmp stays in C)
// Resize.swift       `resize`: bit-exact port of Pillow's antialiased bilinear resampler
// CropFlip.swift     crop and horizontal flip on images and [..., H, W] tensors
// ImageTensor.swift  Image <-> [3, H, W] / [B, 3, H, W] tensors in [-1, 1], raw [H, W, C] tensors
// ImageGrid.swift    `imageGrid` / `saveGrid` (torchvision make_grid layout)
// FileIO.swift       whole-file reads and atomic writes with errors naming the file
import ZooCore

// io/image_ops.h — resampling, cropping and padding of RGB8 images, as vision preprocessors do.
//
// resize_bicubic reproduces Pillow's Image.resize(..., BICUBIC) (the resample that Hugging
// Face's CLIP and LLaVA-NeXT image processors use): a separable convolution with the a = −0.5
// cubic kernel, its support widened by the downscale factor (antialiasing), coefficients in
// 22-bit fixed point, the horizontal pass first and each pass rounded to 8 bits. Matching it
// bit for bit is what lets our tiles equal the reference pixel values.
// Torch-free; the normalisation into model inputs lives in model/image_processor.h.
#pragma once

#include "io/image.h"

namespace insightv {

Image resize_bicubic(const Image& img, int width, int height);
// Copies the w×h window at (x, y); the window must lie inside the image.
Image crop(const Image& img, int x, int y, int w, int h);
// A width×height canvas of `fill` with img pasted at (x, y) (parts outside are clipped).
Image paste_on_canvas(const Image& img, int width, int height, int x, int y, const uint8_t fill[3]);

}  // namespace insightv

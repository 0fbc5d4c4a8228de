"""How alike two images are, and the quality search built on it.

`metrics` (SSIM, MS-SSIM, PSNR, SAD, exact and public) on `local_means` (SSIM's
Gaussian window in Pillow); `gradients` (where a metric's loss comes from);
`pixelmatch`; `fragment` (the window where two images differ most). The search:
`quality` chooses a quality by encoding a sample (`sampling`) and scoring it
(`scoring`) against a per-photo target (`targets`).
"""

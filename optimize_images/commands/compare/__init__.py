"""The compare command: comparison figures at matched quality and matched size.

For each group of targets (SSIM values: matched visual quality; bits per
pixel: matched file size), `study.study_groups` takes these steps:

1. `images`: the image; in a folder, the one whose variants differ most.
2. `matching`: the variants, each format encoded at the quality that comes
   nearest to each target (searched on a sample, corrected once on the whole).
3. `measure.fragment`: where the variants disagree most, a crop-size window.
4. `figures`: the labelled figures, written under OUTDIR/<metric>/.

`options` declares the command's options (command line and --config);
`command` parses them, runs and prints.
"""

"""Pictures drawn with Pillow: grids, legends and labels (`grid`), diff maps
(`diffmap`), the HTML report's side-by-side fragment of a result (`preview`), and
writing a picture without loss (`pictures`)."""

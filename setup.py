from setuptools import find_packages, setup

with open("README.md", encoding="utf-8") as readme:
    long_description = readme.read()

setup(
    name="optimize-images",
    version="3.0.0.dev0",
    description="A portable image optimizer (JPEG, PNG, WebP) built on Pillow alone",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["optimize_images", "optimize_images.*"]),
    package_data={"optimize_images": ["py.typed"]},  # the package's annotations are its types
    zip_safe=False,
    python_requires=">=3.9",
    install_requires=["Pillow>=9.5", "piexif>=1.1.3"],
    extras_require={
        # numpy and scikit-image (the SSIM reference) and jsonschema (the report
        # schema) serve a few tests only, Dask the --dask tests, Playwright the HTML
        # report's (in the system's Chromium: it downloads no browser), pre-commit the
        # hooks', mypy the types'; the suite skips those when absent.
        "test": ["pytest>=7", "numpy", "scikit-image", "jsonschema", "dask[distributed]",
                 "playwright", "pre-commit", "mypy"],
        # HEIC/HEIF input, when wanted: pip install "optimize-images[heif]"
        "heif": ["pillow-heif"],
        # PNGs through oxipng as well (kept when smaller): pip install "optimize-images[png]"
        "png": ["pyoxipng"],
        # --dask, running the files on a Dask cluster: pip install "optimize-images[dask]".
        # No version pin: pip picks the newest Dask the Python in use supports
        # (2024.8.0 is the last for Python 3.9).
        "dask": ["dask[distributed]"],
    },
    entry_points={"console_scripts": ["optimize-images=optimize_images.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Environment :: Console",
        "Topic :: Multimedia :: Graphics :: Graphics Conversion",
    ],
)

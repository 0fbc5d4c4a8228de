"""The public API: what the package re-exports, with the names the README uses."""

import inspect

import optimize_images
from optimize_images import api


def test_the_package_re_exports_the_public_api():
    for name in optimize_images.__all__:
        assert getattr(optimize_images, name) is not None, name
    assert optimize_images.optimize is api.optimize
    assert optimize_images.Settings is api.Settings
    assert set(api.__all__) <= set(optimize_images.__all__)


def test_the_api_functions_carry_type_hints_and_keyword_only_options():
    for function in (api.optimize, api.optimize_with, api.watch_with, api.find,
                     api.optimize_file):
        hints = inspect.signature(function)
        assert hints.return_annotation is not inspect.Signature.empty, function.__name__
    parameters = inspect.signature(api.optimize_with).parameters
    assert parameters["on_result"].kind is inspect.Parameter.KEYWORD_ONLY


def test_every_error_raised_on_purpose_shares_one_base():
    for name in ("OptionError", "UsageError", "CannotStart", "Locked", "Skip", "Fail"):
        assert issubclass(getattr(optimize_images, name), optimize_images.OptimizeImagesError)

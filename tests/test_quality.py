from optimize_images.quality import bisect_quality, bisection_steps


def test_classic_step_count():
    assert bisection_steps(75, 80) == 3
    assert bisection_steps(80, 80) == 0
    assert bisection_steps(40, 95) == 6


def test_keeps_the_lowest_quality_that_passed():
    tried = []

    def score(quality):
        tried.append(quality)
        return quality

    choice = bisect_quality(score, lambda value: value >= 76, low=75, high=80)
    assert choice.quality == 76
    assert tried == [77, 76, 75]  # the last one tried (75) failed; 76 is kept


def test_falls_back_to_high_when_nothing_passes():
    choice = bisect_quality(lambda q: q, lambda value: False, low=75, high=80)
    assert choice.quality == 80
    assert choice.value == 80

"""The significance tests and histogram figures of the insights, against values worked by hand."""

import math
import random

import pytest

from finestra.insights.counting import (
    BUCKET_BOUNDS_HOURS,
    BUCKETS,
    bucket_of,
    histogram_quantile,
    histogram_share_above,
)
from finestra.insights.significance import (
    MIN_SAMPLE,
    Sums,
    benjamini_hochberg,
    mean_test,
    normal_p_value,
    proportion_test,
)


@pytest.mark.parametrize(
    ("z", "p_value"),
    [(0.0, 1.0), (1.959963984540054, 0.05), (-1.959963984540054, 0.05), (2.5758293035489, 0.01)],
)
def test_given_a_normal_statistic_then_its_two_sided_p_value_is_the_tables(
    z: float, p_value: float
) -> None:
    assert normal_p_value(z) == pytest.approx(p_value, abs=1e-12)


def test_given_45_of_100_against_30_of_100_then_the_pooled_z_is_2_19() -> None:
    # pooled share 0.375; standard error sqrt(0.375 * 0.625 * (1/100 + 1/100)) = 0.068465
    test = proportion_test(45, 100, 30, 100)

    assert test is not None
    assert test.z == pytest.approx(0.15 / math.sqrt(0.375 * 0.625 * 0.02))
    assert test.z == pytest.approx(2.19089, abs=1e-5)
    assert test.p_value == pytest.approx(0.028460, abs=1e-6)


def test_given_a_lower_share_then_the_statistic_is_negative() -> None:
    test = proportion_test(30, 100, 45, 100)

    assert test is not None
    assert test.z == pytest.approx(-2.19089, abs=1e-5)


def test_given_fewer_than_thirty_on_either_side_then_no_proportion_test_is_made() -> None:
    assert proportion_test(20, MIN_SAMPLE - 1, 500, 1000) is None
    assert proportion_test(20, 100, 5, MIN_SAMPLE - 1) is None
    assert proportion_test(20, MIN_SAMPLE, 5, MIN_SAMPLE) is not None


def test_given_no_variance_then_the_shares_do_not_differ() -> None:
    test = proportion_test(0, 40, 0, 400)

    assert test is not None
    assert (test.z, test.p_value) == (0.0, 1.0)


def test_given_two_sets_of_ratings_then_the_mean_test_uses_each_sides_variance() -> None:
    # 40 ratings of mean 4.0 and variance (680 - 160**2 / 40) / 39; 50 of mean 3.5 and
    # variance (650 - 175**2 / 50) / 49.
    value = Sums(count=40, total=160, squares=680)
    rest = Sums(count=50, total=175, squares=650)
    error = math.sqrt(40 / 39 / 40 + 37.5 / 49 / 50)

    test = mean_test(value, rest)

    assert test is not None
    assert test.z == pytest.approx(0.5 / error)
    assert test.z == pytest.approx(2.47092, abs=1e-5)
    assert test.p_value == pytest.approx(0.013477, abs=1e-6)


def test_given_fewer_than_thirty_ratings_then_no_mean_test_is_made() -> None:
    assert (
        mean_test(Sums(count=29, total=100, squares=400), Sums(count=99, total=300, squares=1000))
        is None
    )


def test_given_sums_then_their_mean_and_variance_are_the_samples() -> None:
    ratings = [1, 2, 2, 3, 5, 5, 4]
    sums = Sums(count=len(ratings), total=sum(ratings), squares=sum(r * r for r in ratings))
    mean = sum(ratings) / len(ratings)

    assert sums.mean == pytest.approx(mean)
    assert sums.variance() == pytest.approx(
        sum((r - mean) ** 2 for r in ratings) / (len(ratings) - 1)
    )


def test_given_four_p_values_then_benjamini_hochberg_adjusts_them_in_place() -> None:
    # ranks 1..4 of 0.005, 0.01, 0.03, 0.04: 0.02, 0.02, 0.04, 0.04 after the running minimum
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_given_no_p_values_then_there_is_nothing_to_adjust() -> None:
    assert benjamini_hochberg([]) == []


def test_given_seventy_three_chance_p_values_then_few_survive_the_adjustment() -> None:
    draws = random.Random(7)
    p_values = [draws.random() for _ in range(73)]

    adjusted = benjamini_hochberg(p_values)

    assert sum(p <= 0.05 for p in p_values) >= 1
    assert not any(q <= 0.05 for q in adjusted)
    assert all(q >= p for p, q in zip(p_values, adjusted, strict=True))


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [(0.0, 0), (0.99, 0), (1.0, 1), (23.9, 4), (24.0, 5), (1439, 12), (5000, 13)],
)
def test_given_a_closing_time_then_it_falls_in_its_bucket(hours: float, bucket: int) -> None:
    assert bucket_of(hours) == bucket


def test_given_ten_closings_between_one_and_two_hours_then_the_median_is_interpolated() -> None:
    buckets = [0.0] * BUCKETS
    buckets[1] = 10

    assert histogram_quantile(buckets, 0.5) == pytest.approx(1.5)
    assert histogram_quantile(buckets, 0.9) == pytest.approx(1.9)


def test_given_a_histogram_then_the_quantile_crosses_buckets() -> None:
    buckets = [0.0] * BUCKETS
    buckets[0], buckets[4] = 4, 6  # 0-1 h and 8-24 h

    # the median is the first of the six in 8-24 h: 8 + 16 * (5 - 4) / 6
    assert histogram_quantile(buckets, 0.5) == pytest.approx(8 + 16 / 6)


def test_given_closings_over_sixty_days_then_the_quantile_is_the_buckets_floor() -> None:
    buckets = [0.0] * BUCKETS
    buckets[-1] = 3

    assert histogram_quantile(buckets, 0.9) == BUCKET_BOUNDS_HOURS[-1]


def test_given_an_empty_histogram_then_it_has_no_quantile() -> None:
    assert histogram_quantile([0.0] * BUCKETS, 0.5) is None


def test_given_a_threshold_inside_a_bucket_then_the_share_above_is_interpolated() -> None:
    buckets = [0.0] * BUCKETS
    buckets[2], buckets[3] = 8, 2  # 2-4 h and 4-8 h

    assert histogram_share_above(buckets, 3.0) == pytest.approx(4 + 2)
    assert histogram_share_above(buckets, 4.0) == pytest.approx(2)
    assert histogram_share_above(buckets, 0.0) == pytest.approx(10)

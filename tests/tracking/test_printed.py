"""A tracking number shown as the carrier prints it under the bars."""

from __future__ import annotations

from scanstation.labels.samples import demo_labels
from scanstation.tracking import printed


def test_groups_of_four_as_the_labels_print_them() -> None:
    assert printed("1Z3GGU3742972147 63".replace(" ", "")) == "1Z3G GU37 4297 2147 63"
    assert printed("9400111899223197428490") == "9400 1118 9922 3197 4284 90"
    assert printed("1234") == "1234"
    assert printed("") == ""


def test_the_demo_labels_print_their_numbers_the_same_way() -> None:
    ups = next(label for label in demo_labels() if label.key == "ups")
    assert ups.tracking_number is not None
    assert ups.human == printed(ups.tracking_number)

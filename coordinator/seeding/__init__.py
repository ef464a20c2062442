"""Reference data: the region tree, cadre networks, indicators and the 2021 -> 2022 targets."""

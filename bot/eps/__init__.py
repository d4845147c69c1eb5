"""Legal work in Korea: the EPS guide, the eligibility self-check and the accession tracker."""

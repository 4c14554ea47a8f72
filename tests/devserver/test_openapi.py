"""The simulator checked against resources/openapi/central-v1.yaml by schemathesis, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from scanstation.devserver import DevServer
from tests.devserver.conftest import TOKEN

SPEC = Path(__file__).resolve().parents[2] / "resources" / "openapi" / "central-v1.yaml"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    dev = DevServer(tmp_path_factory.mktemp("openapi") / "central.sqlite3", token=TOKEN)
    dev.start()
    for n in range(1, 6):
        dev.add_registration(f"TBA{n:012d}", order_number=f"o-{n}", services=["photo"])
    dev.delete_registration("p_5")
    try:
        yield dev
    finally:
        dev.stop()


schema = schemathesis.openapi.from_path(
    SPEC,
    config=schemathesis.Config.from_dict(
        {
            "headers": {"Authorization": f"Bearer {TOKEN}"},
            "generation": {"max-examples": 150, "database": "none"},
            # A cursor the server did not hand out is well-formed yet answered 410 by the contract.
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "410"]}},
        }
    ),
)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_the_simulator_conforms_to_the_openapi_description(case: Any, live_server: DevServer) -> None:
    case.call_and_validate(base_url=live_server.url, timeout=10)


def test_the_description_covers_every_status_the_contract_names() -> None:
    spec = schema.raw_schema
    paths = spec["paths"]
    assert set(paths) == {"/health", "/parcels", "/events"}
    assert paths["/health"]["get"]["security"] == []
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert {"200", "400", "401", "410"} <= set(paths["/parcels"]["get"]["responses"])
    assert {"200", "400", "401", "429", "503"} <= set(paths["/events"]["post"]["responses"])
    limit = next(p for p in paths["/parcels"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 5000, "default": 1000}
    batch = spec["components"]["schemas"]["EventBatch"]
    assert batch["properties"]["events"]["maxItems"] == 500
    known = spec["components"]["schemas"]["Event"]["anyOf"]
    assert len(known) == 5

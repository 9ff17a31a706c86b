#!/usr/bin/python3
"""Families (or persons) per desil of a region, as a pandas DataFrame.

    clients/python/build.sh                                  # once: the stubs, into clients/python/gen/
    REGSOSEK_TOKEN=rgs_... clients/python/desil.py 3201 --by sex

Desil (welfare decile) distributions are disaggregated data: they need a tier-2 grant covering
the region (`./regsosek grants issue --tier 2 --region 3201 ...` prints the token). Without a
token the call is tier 1 (the public) and the service refuses it with PERMISSION_DENIED, naming
the rule in a google.rpc.ErrorInfo detail.

The table has one column per dimension ("Total" on margin rows), then value, status and rule.
A cell withheld by disclosure control has no value: it is NaN with status "withheld", never 0.
Uses Debian's python3-grpcio, python3-protobuf and python3-pandas.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen"))

try:
    import grpc
    import pandas as pd
    from google.rpc import error_details_pb2, status_pb2
    from regsosek.v1 import aggregate_pb2, aggregate_pb2_grpc
except ImportError as missing:
    sys.exit(f"desil.py: {missing}: run clients/python/build.sh first, with Debian's python3 "
             "(/usr/bin/python3) and its packages python3-grpcio python3-protobuf python3-pandas")

STATUS = {
    aggregate_pb2.CELL_STATUS_SHOWN: "shown",
    aggregate_pb2.CELL_STATUS_SUPPRESSED: "withheld",
    aggregate_pb2.CELL_STATUS_PERTURBED: "perturbed",
}


def desil_distribution(address, region, group_by=(), unit="families", token=None):
    """Calls AggregateService.DesilDistribution; returns the raw AggregateResponse."""
    request = aggregate_pb2.DesilDistributionRequest(
        unit=unit, scope=aggregate_pb2.Scope(region=region), group_by=list(group_by))
    metadata = [("authorization", "Bearer " + token)] if token else None
    with grpc.insecure_channel(address) as channel:
        stub = aggregate_pb2_grpc.AggregateServiceStub(channel)
        return stub.DesilDistribution(request, metadata=metadata, timeout=60)


def to_frame(response):
    """One row per table row and measure; margins are "Total", withheld values NaN."""
    records = []
    for row in response.rows:
        keys = {dimension: key.code if key.HasField("code") else "Total"
                for dimension, key in zip(response.dimensions, row.keys)}
        for measure, cell in zip(response.measures, row.cells):
            records.append({
                **keys,
                "measure": measure.id,
                "value": cell.value if cell.HasField("value") else float("nan"),
                "status": STATUS.get(cell.status, "unspecified"),
                "rule": cell.rule,
            })
    columns = [*response.dimensions, "measure", "value", "status", "rule"]
    return pd.DataFrame.from_records(records, columns=columns)


def refusal_rule(error):
    """The rule of a refused call: the reason of the google.rpc.ErrorInfo sent in the
    grpc-status-details-bin trailer, or None when the server sent none."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("region", help="region code, e.g. 3201 (Kabupaten Bogor)")
    parser.add_argument("--by", action="append", default=[], metavar="DIMENSION",
                        help="a further breakdown, e.g. sex (repeatable)")
    parser.add_argument("--unit", default="families", choices=["families", "persons"])
    parser.add_argument("--address", default="127.0.0.1:50051")
    args = parser.parse_args()
    try:
        response = desil_distribution(args.address, args.region, args.by, args.unit,
                                      token=os.environ.get("REGSOSEK_TOKEN"))
    except grpc.RpcError as error:
        print(f"refused: {error.code().name}: {error.details()}", file=sys.stderr)
        rule = refusal_rule(error)
        if rule:
            print(f"rule: {rule}", file=sys.stderr)
        if error.code() == grpc.StatusCode.PERMISSION_DENIED:
            print("Desil distributions need a tier-2 grant for the region: "
                  "set REGSOSEK_TOKEN to the token of such a grant.", file=sys.stderr)
        return 1
    with pd.option_context("display.max_rows", None, "display.width", 120):
        print(to_frame(response).to_string(index=False))
    print(response.metadata.attribution)
    return 0


if __name__ == "__main__":
    sys.exit(main())

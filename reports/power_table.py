"""Signed-rank detectable shifts, in sd of the paired differences (generated).

`python benchmarks/validity.py --write-table` writes this file from
`reports.power_exact.signed_rank_factor`: normal differences, 20,000 seeded draws per n
(seed 24), common random numbers across shifts, bisection to the stated power.
"""

TABLE_ALPHA = 0.05
TABLE_POWER = 0.8
TABLE_MAX_PAIRS = 60
TABLE_DRAWS = 20000
TABLE_SEED = 24
SIGNED_RANK_TABLE: dict[int, float] = {
    6: 1.7934,
    7: 1.3345,
    8: 1.2576,
    9: 1.1482,
    10: 1.0245,
    11: 0.9922,
    12: 0.9348,
    13: 0.8724,
    14: 0.8269,
    15: 0.8035,
    16: 0.7809,
    17: 0.7541,
    18: 0.7186,
    19: 0.6980,
    20: 0.6739,
    21: 0.6661,
    22: 0.6453,
    23: 0.6285,
    24: 0.6090,
    25: 0.6015,
    26: 0.5859,
    27: 0.5702,
    28: 0.5664,
    29: 0.5543,
    30: 0.5418,
    31: 0.5328,
    32: 0.5222,
    33: 0.5171,
    34: 0.5084,
    35: 0.4976,
    36: 0.4906,
    37: 0.4856,
    38: 0.4796,
    39: 0.4726,
    40: 0.4674,
    41: 0.4576,
    42: 0.4548,
    43: 0.4501,
    44: 0.4413,
    45: 0.4359,
    46: 0.4341,
    47: 0.4303,
    48: 0.4255,
    49: 0.4179,
    50: 0.4141,
    51: 0.4124,
    52: 0.4065,
    53: 0.3998,
    54: 0.3971,
    55: 0.3969,
    56: 0.3886,
    57: 0.3873,
    58: 0.3821,
    59: 0.3775,
    60: 0.3774,
}

/*
 * cellflow_head.h - the kind-less front end of the cell-flow test
 * factories (tests/model/test_cellflow.c): materials, then stations 0-3 -
 * a mixer making batches of 960 kg active material + 40 kg binder, a
 * coater making 2000 m coils of 1000 kg slurry, a slitter into 2 lanes
 * (0.24 kg of active material per metre of lane) and a stacker making a
 * cell of every CELL_LENGTH of cathode lane in STACK_TIME. The YAML is 21
 * lines; the stations a test adds start on line 22.
 */
#ifndef CELLTWIN_TESTS_CELLFLOW_HEAD_H
#define CELLTWIN_TESTS_CELLFLOW_HEAD_H

#define CELLFLOW_HEAD(NAME, CELL_LENGTH, STACK_TIME)                                    \
    "name: " NAME "\n"                                                                  \
    "materials:\n"                                                                      \
    "  - {name: am, price: 20 usd/kg, lot: 5000 kg, active: true}\n"                    \
    "  - {name: binder, price: 10 usd/kg, lot: 1000 kg}\n"                              \
    "stations:\n"                                                                       \
    "  - name: mixer\n"                                                                 \
    "    consumes: [{material: am, amount: 960 kg}, {material: binder, amount: 40 kg}]\n" \
    "    makes: batch\n"                                                                \
    "    process_time: 1 h\n"                                                           \
    "  - name: coater\n"                                                                \
    "    consumes: [{input: in, amount: 1000 kg}]\n"                                    \
    "    makes: coil\n"                                                                 \
    "    quantity: 2000 m\n"                                                            \
    "    process_time: 2000\n"                                                          \
    "    buffer: 2\n"                                                                   \
    "  - {name: slitter, splits: 2, process_time: 100, buffer: 2}\n"                    \
    "  - name: stacker\n"                                                               \
    "    inputs: [{name: cathode, buffer: 4}]\n"                                        \
    "    consumes: [{input: cathode, amount: " CELL_LENGTH "}]\n"                       \
    "    makes: cell\n"                                                                 \
    "    process_time: " STACK_TIME "\n"

#endif

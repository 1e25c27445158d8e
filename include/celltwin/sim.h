/*
 * sim.h - the discrete-event engine: a simulated clock in seconds and an
 * event queue ordered by (time, priority, insertion sequence).
 *
 * Events at the same time run in order of decreasing priority, then in the
 * order they were scheduled (FIFO), so a run is deterministic. Scheduling,
 * rescheduling, cancelling and running an event are O(log n) in the
 * largest number of pending events: the queue is a tournament tree over a
 * pool of event records, and an event handle names its record directly
 * (slot + generation), so no search is needed.
 *
 * Models are callback state machines: an event calls fn(sim, ctx, arg).
 */
#ifndef CELLTWIN_SIM_H
#define CELLTWIN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "celltwin/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ct_sim ct_sim;

/* An event's action. ctx and arg are what was given to ct_sim_schedule. */
typedef void (*ct_event_fn)(ct_sim *sim, void *ctx, uint64_t arg);

/* Handle of a scheduled event; 0 is never a valid handle. A handle goes
 * stale when its event runs or is cancelled; stale handles are detected. */
typedef uint64_t ct_event_id;

/* Creates an engine at time 0 with an empty queue. Returns NULL when out of
 * memory. seed is only recorded, for assertion messages. */
ct_sim *ct_sim_create(uint64_t seed);

/* Frees the engine and its pending events. NULL is a no-op. */
void ct_sim_destroy(ct_sim *sim);

/* Current simulated time in seconds. */
double ct_sim_now(const ct_sim *sim);

/* The clock itself, for models that read the time in hot paths without a
 * call. Borrowed; valid until ct_sim_destroy; never write through it. */
const double *ct_sim_clock(const ct_sim *sim);

/* Schedules fn(sim, ctx, arg) at now + delay (delay >= 0, finite).
 * Larger priority runs first among events at the same time. Returns the
 * handle; aborts with a message if memory runs out (the engine cannot
 * continue without the event). */
ct_event_id ct_sim_schedule(ct_sim *sim, double delay, int priority,
                            ct_event_fn fn, void *ctx, uint64_t arg);

/* Same at an absolute time t >= now. */
ct_event_id ct_sim_schedule_at(ct_sim *sim, double t, int priority,
                               ct_event_fn fn, void *ctx, uint64_t arg);

/* Removes a pending event. Returns false if the handle is stale. */
bool ct_sim_cancel(ct_sim *sim, ct_event_id id);

/* Moves a pending event to absolute time t >= now; it takes a new FIFO
 * sequence number, as if scheduled anew. Returns false if stale. */
bool ct_sim_reschedule(ct_sim *sim, ct_event_id id, double t);

/* True if id names a pending event; its time goes to *t when t != NULL. */
bool ct_sim_pending_time(const ct_sim *sim, ct_event_id id, double *t);

/* Runs events in order while their time is <= t_end, then sets the clock to
 * t_end (unless stopped earlier). Returns the number of events run. */
uint64_t ct_sim_run_until(ct_sim *sim, double t_end);

/* Runs exactly one event if any is pending; returns false on an empty queue. */
bool ct_sim_step(ct_sim *sim);

/* Makes ct_sim_run_until return after the current event. */
void ct_sim_stop(ct_sim *sim);

/* Events run so far, and events pending now. */
uint64_t ct_sim_events_run(const ct_sim *sim);
size_t ct_sim_events_pending(const ct_sim *sim);

/* Reports a contract violation with the simulated time, the entity and the
 * seed, then aborts. Used through CT_SIM_ASSERT. */
void ct_sim_fail(const ct_sim *sim, const char *entity, const char *expr,
                 const char *file, int line);

#define CT_SIM_ASSERT(sim, entity, cond)                                     \
    do {                                                                     \
        if (!(cond))                                                         \
            ct_sim_fail((sim), (entity), #cond, __FILE__, __LINE__);         \
    } while (0)

#ifdef __cplusplus
}
#endif
#endif

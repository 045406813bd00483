# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""PyVRP's search over the model: its budget, its stop criteria, its run.

Deterministic: a fixed seed and an iteration budget (:func:`_default_iterations`,
with :func:`_patience` iterations without a better plan), unless a time
limit is given."""

import warnings

from .pyvrp_model import ELIGIBILITY_UNIT, PRIZE_UNIT, _Model

PENALTY_UPDATES = 50  # candidates between two penalty updates


def _solve(data, neighbours, stop, seed, initial):
    """pyvrp.solve with the model's neighbourhood, penalty bounds that fit
    its prizes, and an exhaustive local search of the starting solution."""
    from pyvrp import (
        IteratedLocalSearch,
        PenaltyManager,
        PenaltyParams,
    )
    from pyvrp._pyvrp import RandomNumberGenerator
    from pyvrp.exceptions import PenaltyBoundWarning
    from pyvrp.search import (
        OPERATORS,
        LocalSearch,
        PerturbationManager,
        PerturbationParams,
    )

    rng = RandomNumberGenerator(seed=seed)
    search = LocalSearch(
        data, rng, neighbours, PerturbationManager(PerturbationParams())
    )
    for op in OPERATORS:
        if op.supports(data):
            search.add_operator(op(data))
    # a second of time warp, or one visit on an ineligible technician, costs
    # the largest prize at first: the search starts on the feasible side
    top = float(max((c.prize for c in data.clients()), default=PRIZE_UNIT))
    params = PenaltyParams(
        solutions_between_updates=PENALTY_UPDATES,
        min_penalty=1.0,
        max_penalty=4 * top,
    )
    manager = PenaltyManager(
        ([top / ELIGIBILITY_UNIT] * data.num_load_dimensions, top, top), params
    )
    improved = search(initial, manager.cost_evaluator(), exhaustive=True)
    if improved.is_feasible():
        initial = improved
    algorithm = IteratedLocalSearch(data, manager, search, initial)
    with warnings.catch_warnings():
        # penalties are bounded on purpose (above), and the caller checks
        # the best solution's feasibility: a penalty at its bound is the
        # expected sign of a visit out of reach, not a fault to log
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return algorithm.run(stop, collect_stats=False, display=False)


def _pyvrp_search(problem, items, seed, max_iterations, time_limit):
    """Solve the whole run with PyVRP from the construction pass's routes;
    returns (routes per segment, iterations, load dimensions), or None when
    PyVRP finds nothing feasible."""
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

    vehicles = [s for s in problem.segments if s.intervals]
    if not vehicles or not items:
        return None
    model = _Model(problem, items, vehicles)
    if time_limit:
        stop = MaxRuntime(float(time_limit))
    elif max_iterations:
        stop = MaxIterations(int(max_iterations))
    else:
        budget = _default_iterations(len(items))
        stop = MultipleCriteria(
            [MaxIterations(budget), NoImprovement(_patience(len(items), budget))]
        )
    result = _solve(model.data, model.neighbours(), stop, seed, model.solution())
    if not result.best.is_feasible():
        return None
    return model.routes(result.best), result.num_iterations, model.dims


def _default_iterations(count):
    """An iteration budget, not a clock: the same input gives the same plan.
    An iteration costs about linear time in the size of the run; the
    exhaustive search of the start does most of the work on large runs."""
    return int(min(3000, max(100, 3_000_000 // count**1.5)))


def _patience(count, budget):
    """Iterations without a better plan after which the search stops: a run
    of a few visits settles within a few dozen iterations, and three thousand
    more of them only keep a web worker busy. Counted in iterations too, so
    the same input still gives the same plan; a large run keeps its whole
    budget."""
    return int(min(budget, max(100, 50 * count)))

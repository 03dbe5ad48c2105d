"""Load balancing for the controller: the task queue, dependencies and retries.

``TaskScheduler`` is a mixin of ``controller.Controller``, which owns the sockets and the
engine table; this half decides which engine runs which load-balanced task:

- ``submit`` queues a task whose dependencies are met, parks one on a pending id
  (``waiting``) and fails one whose dependencies can no longer be met;
- ``schedule`` hands queued tasks to the engine with the fewest outstanding tasks, at
  most ``EngineRec.limit`` each, honouring ``targets`` and the engines a task excluded;
- ``finished`` remembers the last ``done_history`` outcomes for ``after``/``follow``
  dependencies (ids it forgot count as met) and wakes the tasks waiting on one;
- ``check_timeouts`` fails tasks that did not start before their deadline.

It uses the controller's ``wire``, ``sockets``, ``engines``, ``tasks``, ``queue``,
``waiting``, ``done``, ``engine_out`` and ``dirty``.
"""

import time


class Task:
    __slots__ = ("id", "client", "packed", "bufs", "head", "retries", "deadline", "after", "follow",
                 "targets", "exclude", "engine", "tries")

    def __init__(self, client, packed, bufs, head):
        self.id = head["id"]
        self.client = client
        self.packed = packed
        self.bufs = bufs
        self.head = head
        self.retries = head.get("retries") or 0
        self.deadline = head.get("deadline")
        self.after = list(head.get("after") or ())
        self.follow = list(head.get("follow") or ())
        self.targets = head.get("targets")
        self.exclude = set()
        self.engine = None
        self.tries = 0


class TaskScheduler:
    done_history = 100_000

    def submit(self, task):
        """Queue a task whose dependencies are met; park it on a pending one; fail it
        when they cannot be met. ``after`` and ``follow`` are lists of specs
        {ids, all, success, failure}; ``follow`` also pins it to their engine."""
        targets = None
        for kind, deps in (("after", task.after), ("follow", task.follow)):
            for spec in deps:
                state, value = self.dep_state(spec)
                if state == "wait":
                    self.waiting.setdefault(value, []).append(task)
                    return
                if state == "impossible":
                    self.fail(task, "ImpossibleDependency", f"{kind} dependency {value} "
                              f"ended in a way that does not allow this task to run")
                    return
                if kind == "follow" and value:
                    if spec.get("all", True) and len(value) > 1:
                        self.fail(task, "ImpossibleDependency", "follow dependencies ran "
                                  f"on different engines {sorted(value)}")
                        return
                    targets = set(value) if targets is None else targets & value
        if targets is not None:
            if not targets:
                self.fail(task, "ImpossibleDependency",
                          "follow dependencies ran on different engines")
                return
            task.targets = sorted(targets) if task.targets is None else [
                t for t in task.targets if t in targets]
        self.queue.append(task)
        self.dirty = True

    def dep_state(self, spec):
        """("met", engines of the met ids), ("wait", a pending id) or ("impossible",
        the id that rules the task out). Ids this controller forgot count as met."""
        if isinstance(spec, str):
            spec = {"ids": [spec]}
        want_ok, want_err = spec.get("success", True), spec.get("failure", False)
        every = spec.get("all", True)
        pending = bad = None
        met, engines = 0, set()
        for i in spec.get("ids", ()):
            if i in self.tasks:
                pending = i
                continue
            outcome = self.done.get(i)
            if outcome is None:
                met += 1
                continue
            eid, ok = outcome
            if (ok and want_ok) or (not ok and want_err):
                met += 1
                engines.add(eid)
            else:
                bad = i
        if every:
            if bad is not None:
                return "impossible", bad
            if pending is not None:
                return "wait", pending
            return "met", engines
        if met or not spec.get("ids"):
            return "met", engines
        if pending is not None:
            return "wait", pending
        return "impossible", bad

    def schedule(self):
        queue = self.queue
        if not queue or not self.engines:
            return
        engines = self.engines
        blocked = []
        while queue:
            task = queue.popleft()
            if task.targets is not None:
                cands = [engines[i] for i in task.targets if i in engines]
                if not cands:
                    if task.follow:
                        self.fail(task, "ImpossibleDependency",
                                  "the engine it must follow is gone")
                    else:
                        self.fail(task, "EngineError", "none of its target engines "
                                  f"{task.targets} is registered")
                    continue
            else:
                cands = engines.values()
            if task.head.get("direct") and cands:
                self.assign(task, cands[0])     # a direct request: no queue limit
                continue
            best = None
            load = 1 << 30
            for e in cands:
                n = len(e.tasks)
                if n < e.limit and n < load and e.id not in task.exclude:
                    best, load = e, n
                    if n == 0:
                        break
            if best is None and task.exclude and all(e.id in task.exclude for e in cands):
                if task.head.get("unmet"):
                    self.fail(task, "ImpossibleDependency", "no engine meets the task's "
                              f"dependencies: {task.head['unmet']}")
                    continue
                for e in cands:         # every engine was excluded: let one try again
                    if len(e.tasks) < e.limit:
                        best = e
                        break
            if best is None:
                blocked.append(task)
                if len(blocked) > 64 or task.targets is None:
                    break
                continue
            self.assign(task, best)
        if blocked:
            queue.extendleft(reversed(blocked))
        if self.engine_out:
            sock = self.sockets["engines"]
            for ident, packed in self.engine_out.items():
                self.wire.send_gathered(sock, packed, ident)
            self.engine_out = {}

    def assign(self, task, e):
        task.engine = e.id
        task.tries += 1
        e.tasks[task.id] = task
        if task.bufs:
            self.wire.send_packed(self.sockets["engines"], task.packed, task.bufs, e.ident)
        else:
            self.engine_out.setdefault(e.ident, []).append(task.packed)

    def resubmit(self, task):
        head = dict(task.head)
        head["try"] = task.tries
        task.packed = self.wire.pack(head, self.wire.payload_of(task.packed))
        task.engine = None
        self.queue.appendleft(task)

    def fail(self, task, ename, evalue):
        self.tasks.pop(task.id, None)
        head = {"t": "result", "id": task.id, "eid": task.engine, "md": {"engine_id": task.engine},
                "err": {"ename": ename, "evalue": evalue, "traceback": "",
                        "engine_id": task.engine}}
        self.wire.send(self.sockets["clients"], head, ident=task.client)
        self.finished(task.id, task.engine, False)

    def finished(self, msg_id, eid, ok):
        done = self.done
        done[msg_id] = (eid, ok)
        if len(done) > self.done_history:
            done.popitem(last=False)
        deps = self.waiting.pop(msg_id, None)
        if deps:
            for task in deps:
                if task.id in self.tasks:
                    self.submit(task)

    def check_timeouts(self):
        if not self.queue and not self.waiting:
            return
        now = time.time()
        for task in [t for t in self.queue if t.deadline and t.deadline < now]:
            self.queue.remove(task)
            self.fail(task, "TaskTimeout", "task did not start within its timeout")
        for deps in self.waiting.values():
            for task in [t for t in deps if t.deadline and t.deadline < now]:
                deps.remove(task)
                if task.id in self.tasks:
                    self.fail(task, "TaskTimeout", "task did not start within its timeout")

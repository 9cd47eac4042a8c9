// _uaio.Task: a coroutine scheduled by the loop; done(), cancel(), await.

#include "uaio_mp.h"

uaio_task_t *uaio_to_task(mp_obj_t obj) {
    if (!mp_obj_is_type(obj, &uaio_task_type)) {
        mp_raise_TypeError(MP_ERROR_TEXT("expected a Task"));
    }
    return MP_OBJ_TO_PTR(obj);
}

// The list of live tasks not sleeping (sleeping ones are in the timing
// queue): all_tasks, and finding a 2.x task by its coroutine. Linked through
// the node, which a task uses for one thing at a time.
void uaio_task_live_add(uaio_state_t *st, uaio_task_t *t) {
    uaio_task_t *last = st->live.node.parent;
    t->node.parent = last;
    t->node.right = &st->live;
    last->node.right = t;
    st->live.node.parent = t;
}

void uaio_task_live_remove(uaio_task_t *t) {
    uaio_task_t *prev = t->node.parent, *next = t->node.right;
    if (prev != NULL && !(t->flags & TASK_SLEEPING)) {
        prev->node.right = next;
        next->node.parent = prev;
        t->node.parent = t->node.right = NULL;
    }
}

// Scheduled, and not done yet: in the list or the timing queue.
bool uaio_task_is_live(uaio_task_t *t) {
    return t->node.parent != NULL || (t->flags & TASK_SLEEPING);
}

static bool is_cancelled_error(uaio_state_t *st, mp_obj_t exc) {
    return mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(exc)), st->cancelled_error);
}

void uaio_task_wake(uaio_state_t *st, uaio_task_t *t) {
    if (!(t->flags & TASK_QUEUED)) {
        uaio_runq_push(st, MP_OBJ_FROM_PTR(t));
    }
}

// The coroutine of `t` ended: record the outcome, wake who awaits it.
void uaio_task_finish(uaio_state_t *st, uaio_task_t *t, bool failed, mp_obj_t value) {
    t->flags |= TASK_DONE | (failed ? TASK_FAILED : 0);
    t->data = value;
    uaio_task_live_remove(t);
    mp_obj_t state = t->state;
    t->state = mp_const_none; // done; None until its outcome is retrieved
    if (failed && !mp_obj_is_subclass_fast(MP_OBJ_FROM_PTR(mp_obj_get_type(value)), MP_OBJ_FROM_PTR(&mp_type_Exception))
        && !is_cancelled_error(st, value)) {
        nlr_raise(value); // KeyboardInterrupt, SystemExit: leave the loop
    }
    bool waited = false;
    if (mp_obj_is_type(state, &uaio_waitq_type)) {
        uaio_task_t *w;
        while ((w = uaio_waitq_pop(MP_OBJ_TO_PTR(state))) != NULL) {
            w->data = mp_const_none;
            uaio_task_wake(st, w);
            waited = true;
        }
    } else if (state != mp_const_true) {
        waited = true;
        t->state = mp_const_false;
        mp_call_function_1(state, MP_OBJ_FROM_PTR(t)); // a completion callback (gather)
    }
    if (waited) {
        t->state = mp_const_false;
    } else if (failed && t != st->main && !is_cancelled_error(st, value)) {
        // Report it later, unless somebody retrieves it first: queued again
        // once done, a task is reported.
        uaio_runq_push(st, MP_OBJ_FROM_PTR(t));
    }
}

// A failed task queued once done: its exception, unless retrieved by now.
void uaio_task_report(uaio_state_t *st, uaio_task_t *t) {
    if (t->state == mp_const_none && (t->flags & TASK_FAILED)) {
        t->state = mp_const_false;
        uaio_call_method(st->loop, MP_QSTR__unretrieved, MP_OBJ_FROM_PTR(t));
    }
}

// Makes a parked task runnable with `exc` to throw in; False if done.
bool uaio_task_cancel(uaio_state_t *st, uaio_task_t *t, mp_obj_t exc) {
    if (t->flags & TASK_DONE) {
        return false;
    }
    // A task awaiting another task: cancel the one it waits for (the
    // current task at either end of the chain cannot be cancelled).
    for (;;) {
        if (t == st->cur) {
            mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("can't cancel self"));
        }
        if (!mp_obj_is_type(t->data, &uaio_task_type) || (t->flags & TASK_THROW)) {
            break;
        }
        uaio_task_t *inner = MP_OBJ_TO_PTR(t->data);
        if (inner->flags & TASK_DONE) {
            break;
        }
        t = inner;
    }
    if (t->flags & TASK_SLEEPING) {
        uaio_check(uaio_nodeq_remove(&st->timers, t));
        uaio_task_live_add(st, t);
    }
    if (t->flags & (TASK_IO_READ | TASK_IO_WRITE)) {
        uaio_io_disarm(&st->io, (uintptr_t)t->data, t->flags & TASK_IO_READ ? UAIO_READ : UAIO_WRITE, NULL);
        t->flags &= ~(TASK_IO_READ | TASK_IO_WRITE);
    } else if (mp_obj_is_type(t->data, &uaio_waitq_type)) {
        uaio_waitq_remove(MP_OBJ_TO_PTR(t->data), t);
    } else if ((t->flags & TASK_HANDOFF) && !(t->flags & TASK_THROW)) {
        // Woken owning a unit of a lock it will never see: it passes the
        // unit on at its next step (step_task), as MicroPython's and
        // CPython's cancelled acquire does, not now. Until then the owner
        // waits in the node's link that only a WaitQueue uses (the task is
        // queued to run, in no WaitQueue; the GC scans the task's words).
        t->node.left = MP_OBJ_TO_PTR(t->data);
    }
    t->data = exc;
    t->flags |= TASK_THROW;
    uaio_task_wake(st, t);
    return true;
}

/******************************************************************************/
// The type

// A task for `coro`, not scheduled yet, and not live until it is: whoever
// schedules it adds it to the live list after the last allocation that can
// fail, so that a MemoryError leaves no task that is live but never runs.
mp_obj_t uaio_task_new(mp_obj_t coro) {
    uaio_state(); // no loop: RuntimeError before anything is allocated
    uaio_task_t *t = mp_obj_malloc(uaio_task_t, &uaio_task_type);
    t->node = (uaio_node) { 0 };
    t->coro = coro;
    t->data = mp_const_none;
    t->state = mp_const_true;
    return MP_OBJ_FROM_PTR(t);
}

// A task just put in the run queue that is not live yet becomes live.
void uaio_task_scheduled(uaio_state_t *st, uaio_task_t *t) {
    if (!uaio_task_is_live(t) && !(t->flags & TASK_DONE)) {
        uaio_task_live_add(st, t);
    }
}

// Task(coro): a task for the coroutine, scheduled to run (as in CPython, and
// uasyncio 2.x's Task(coro)).
static mp_obj_t task_make_new(const mp_obj_type_t *type, size_t n_args, size_t n_kw, const mp_obj_t *args) {
    mp_arg_check_num(n_args, n_kw, 1, 1, false);
    mp_obj_t coro = args[0];
    mp_obj_t dest[2];
    mp_load_method_maybe(coro, MP_QSTR_send, dest);
    if (dest[0] == MP_OBJ_NULL && (coro = uaio_awaitable_coro(coro)) == MP_OBJ_NULL) {
        mp_raise_TypeError(MP_ERROR_TEXT("coroutine expected"));
    }
    mp_obj_t t = uaio_task_new(coro);
    uaio_state_t *st = uaio_state();
    uaio_runq_push(st, t); // may raise MemoryError (the run queue grows)
    uaio_task_scheduled(st, MP_OBJ_TO_PTR(t));
    return t;
}

static void task_attr(mp_obj_t self_in, qstr attr, mp_obj_t *dest) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    mp_obj_t *field;
    switch (attr) {
        case MP_QSTR_coro:
            field = &t->coro;
            break;
        case MP_QSTR_data:
            field = &t->data;
            break;
        case MP_QSTR_state:
            field = &t->state;
            break;
        default:
            dest[1] = MP_OBJ_SENTINEL; // continue in locals_dict
            return;
    }
    if (dest[0] == MP_OBJ_NULL) {
        dest[0] = *field;
    } else if (dest[1] != MP_OBJ_NULL && attr != MP_QSTR_coro) {
        *field = dest[1];
        dest[0] = MP_OBJ_NULL;
    }
}

static mp_obj_t task_done(mp_obj_t self_in) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    return mp_obj_new_bool(t->flags & TASK_DONE);
}
static MP_DEFINE_CONST_FUN_OBJ_1(task_done_obj, task_done);

// Throws the CancelledError class in, as MicroPython does: the VM makes the
// instance when the task runs, so cancelling allocates nothing.
static mp_obj_t task_cancel(mp_obj_t self_in) {
    uaio_state_t *st = uaio_state();
    return mp_obj_new_bool(uaio_task_cancel(st, MP_OBJ_TO_PTR(self_in), st->cancelled_error));
}
static MP_DEFINE_CONST_FUN_OBJ_1(task_cancel_obj, task_cancel);

// `await task`: its result once done. Until then the awaiting task parks in
// the WaitQueue `task.state`, and records the awaited task in its `data`
// so that cancelling it cancels what it awaits.
static mp_obj_t task_iternext(mp_obj_t self_in) {
    uaio_task_t *t = MP_OBJ_TO_PTR(self_in);
    if (t->flags & TASK_DONE) {
        t->state = mp_const_false; // its outcome is retrieved
        if (t->flags & TASK_FAILED) {
            nlr_raise(t->data);
        }
        MP_STATE_THREAD(stop_iteration_arg) = t->data;
        return MP_OBJ_STOP_ITERATION;
    }
    uaio_state_t *st = uaio_state();
    uaio_task_t *cur = uaio_cur_task(st, "await");
    if (t->state == mp_const_true) {
        t->state = mp_obj_malloc(uaio_waitq_t, &uaio_waitq_type);
        ((uaio_waitq_t *)MP_OBJ_TO_PTR(t->state))->head = NULL;
        ((uaio_waitq_t *)MP_OBJ_TO_PTR(t->state))->tail = NULL;
    } else if (!mp_obj_is_type(t->state, &uaio_waitq_type)) {
        mp_raise_msg(&mp_type_RuntimeError, MP_ERROR_TEXT("can't wait"));
    }
    uaio_waitq_push(MP_OBJ_TO_PTR(t->state), cur);
    cur->data = self_in;
    return mp_const_false;
}

static const mp_rom_map_elem_t task_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_done), MP_ROM_PTR(&task_done_obj) },
    { MP_ROM_QSTR(MP_QSTR_cancel), MP_ROM_PTR(&task_cancel_obj) },
};
static MP_DEFINE_CONST_DICT(task_locals, task_locals_table);

MP_DEFINE_CONST_OBJ_TYPE(
    uaio_task_type,
    MP_QSTR_Task,
    MP_TYPE_FLAG_ITER_IS_ITERNEXT,
    make_new, task_make_new,
    attr, task_attr,
    iter, task_iternext,
    locals_dict, &task_locals
    );

package com.lifecycleorchestrator.core;

import static java.util.Objects.requireNonNull;

/**
 * Where the read-only look-ups of a new lifecycle action's claim and pre-flight may be made ahead
 * of the core's asking, all at once, by the ports' implementation: the core makes them one after
 * the other between the event and the runbook's start, each a round trip to AWS.
 * The core only says, before it begins, which look-ups it is about to make, and when the handling is
 * over; it stays single-threaded, and each of its checks still runs on an answer from AWS, made for
 * the same request within the same handling. Nothing with an effect (a heartbeat, the start, a tag)
 * is ever made ahead.
 */
public interface LookAhead {

  /** Nothing is looked up ahead: every call goes to AWS when the core makes it. */
  LookAhead NONE = new LookAhead() {
    @Override
    public void lookUp(Preflight preflight) {}

    @Override
    public void forget() {}
  };

  /**
   * What a new action's claim and pre-flight ask, in the order they ask it when nothing goes wrong:
   * the hook's timeouts (unless a reading within its lifetime is kept), then, after the heartbeat
   * that proves the action active, the seat's record, the group's description and the agent's state.
   */
  record Preflight(LifecycleAction action, Runbook.Seat seat, boolean readsHook) {
    public Preflight {
      requireNonNull(action, "action");
      requireNonNull(seat, "seat");
    }
  }

  /** The core is about to make the preflight's look-ups, in its order. */
  void lookUp(Preflight preflight);

  /** The handling is over: whatever was looked up ahead and not asked for is dropped. */
  void forget();
}

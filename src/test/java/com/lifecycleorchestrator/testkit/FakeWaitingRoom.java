package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** The waiting room as the core sees it: parked continuations recorded with their delays. */
public final class FakeWaitingRoom implements WaitingRoom {

  /** One continuation parked for a delay. */
  public record Stay(Continuation continuation, Duration delay) {}

  /** A delivery whose return was rescheduled after a failure. */
  public record Redelivery(String receipt, Duration delay) {}

  private final List<Stay> stays = new ArrayList<>();
  private final List<Redelivery> redeliveries = new ArrayList<>();
  private final Deque<ServiceFailure> faults = new ArrayDeque<>();

  public synchronized FakeWaitingRoom failNext(ServiceFailure... failures) {
    faults.addAll(List.of(failures));
    return this;
  }

  public synchronized List<Stay> stays() {
    return List.copyOf(stays);
  }

  public synchronized List<Redelivery> redeliveries() {
    return List.copyOf(redeliveries);
  }

  @Override
  public Duration longestDelay() {
    return Duration.ofMinutes(15);
  }

  @Override
  public synchronized void park(Continuation continuation, Duration delay) {
    ServiceFailure fault = faults.poll();
    if (fault != null) {
      throw fault;
    }
    stays.add(new Stay(continuation, delay));
  }

  @Override
  public synchronized void redeliverAfter(String receipt, Duration delay) {
    ServiceFailure fault = faults.poll();
    if (fault != null) {
      throw fault;
    }
    redeliveries.add(new Redelivery(receipt, delay));
  }
}

package com.lifecycleorchestrator.simulation;

import com.lifecycleorchestrator.core.Steps;
import com.lifecycleorchestrator.testkit.VirtualClock;
import java.time.Instant;
import java.util.PriorityQueue;

/** Discrete events on a virtual clock: each runs at its time, in the order they were scheduled. */
final class EventLoop {

  private record Event(Instant at, long order, Runnable action) {}

  private final VirtualClock clock;
  private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> {
    int byTime = a.at().compareTo(b.at());
    return byTime != 0 ? byTime : Long.compare(a.order(), b.order());
  });
  private long scheduled;

  EventLoop(VirtualClock clock) {
    this.clock = clock;
  }

  VirtualClock clock() {
    return clock;
  }

  void at(Instant when, Runnable action) {
    events.add(new Event(when.isBefore(clock.now()) ? clock.now() : when, scheduled++, action));
  }

  /**
   * Takes the steps at their times until they are finished, then runs {@code finished}; a step due
   * after {@code deadline} is not taken, and {@code cutOff} runs instead.
   */
  void drive(Steps steps, Instant deadline, Runnable finished, Runnable cutOff) {
    at(steps.nextStepAt(), () -> {
      if (clock.now().isAfter(deadline)) {
        cutOff.run();
        return;
      }
      steps.advance(clock.now());
      if (steps.finished()) {
        finished.run();
      } else {
        drive(steps, deadline, finished, cutOff);
      }
    });
  }

  void runAll() {
    while (!events.isEmpty()) {
      Event next = events.poll();
      clock.sleepUntil(next.at());
      next.action().run();
    }
  }
}

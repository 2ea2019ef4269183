package com.lifecycleorchestrator.testkit;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.ServiceFailure;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Lambda's asynchronous self-invocation as the core sees it: hand-overs recorded, failures queued. */
public final class FakeContinuations implements Continuations {

  private final List<Continuation> handedOver = new ArrayList<>();
  private final Deque<ServiceFailure> faults = new ArrayDeque<>();

  public synchronized FakeContinuations failNext(ServiceFailure... failures) {
    faults.addAll(List.of(failures));
    return this;
  }

  public synchronized List<Continuation> handedOver() {
    return List.copyOf(handedOver);
  }

  @Override
  public synchronized void handOver(Continuation continuation) {
    ServiceFailure fault = faults.poll();
    if (fault != null) {
      throw fault;
    }
    handedOver.add(continuation);
  }
}

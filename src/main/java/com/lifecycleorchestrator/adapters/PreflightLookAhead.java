package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.Fleet;
import com.lifecycleorchestrator.core.HookTimeouts;
import com.lifecycleorchestrator.core.LifecycleAction;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LifecycleResult;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.Runbook;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Makes a new lifecycle action's pre-flight look-ups all at once, as soon as the core says it is
 * about to make them, and hands each answer to the core's own call for the same request: one after
 * the other, each a round trip to AWS, they stand between the event and the runbook's start. The
 * core's calls come in the order they always do, through the ports this
 * gives ({@link #automations()}, {@link #lifecycleActions()}); only while they come exactly in the
 * order of the {@link LookAhead.Preflight} do they take answers made ahead. The first call out of
 * that order, a heartbeat that is not accepted or fails, or the end of the handling drops whatever
 * is left, and from then on every call goes to AWS when the core makes it, as without this class.
 * An answer is taken once; a look-up that failed is made again by the core's call itself.
 *
 * <p>Only reads are made ahead. The heartbeat that proves the action still active is the core's
 * own, made while the reads are under way, and the seat's record is taken only by the call that
 * comes right after that heartbeat was accepted, as in the claim. The record may then have been
 * read a few milliseconds before the heartbeat rather than after, and that names the same epoch:
 * the action was active from before its event was sent (before the record was read) until the
 * heartbeat, and only one action is active at a seat at a time, so whatever execution another path
 * started for the seat in between was started for this very action, with the same seat and epoch,
 * hence the same client token, and SSM's idempotent start makes the two starts one execution. The
 * group's state and the agent's are as old as the claim, as they were when asked after it.
 */
public final class PreflightLookAhead implements LookAhead {

  /** The calls of a pre-flight, and any other. */
  private enum Call { HOOK, HEARTBEAT, RECORD, GROUP, AGENT, OTHER }

  /** A call the core is expected to make next, for this request, and its answer if it was made ahead. */
  private record Expected(Call call, Object request, Optional<CompletableFuture<?>> answer) {}

  private final Automations automations;
  private final LifecycleActions lifecycleActions;
  private final Executor executor;
  private final Deque<Expected> expected = new ArrayDeque<>();

  /**
   * @param automations SSM, where the look-ups made ahead and every other call go
   * @param lifecycleActions Auto Scaling, likewise
   * @param executor where the look-ups are made, each on its own thread
   */
  public PreflightLookAhead(Automations automations, LifecycleActions lifecycleActions, Executor executor) {
    this.automations = automations;
    this.lifecycleActions = lifecycleActions;
    this.executor = executor;
  }

  @Override
  public synchronized void lookUp(Preflight preflight) {
    expected.clear();
    LifecycleAction action = preflight.action();
    if (preflight.readsHook()) {
      ahead(Call.HOOK, List.of(action.group(), action.hook()),
          () -> lifecycleActions.timeoutsOf(action.group(), action.hook()));
    }
    expected.add(new Expected(Call.HEARTBEAT, action, Optional.empty()));
    ahead(Call.RECORD, preflight.seat(), () -> automations.latest(preflight.seat()));
    ahead(Call.GROUP, action.group(), () -> lifecycleActions.describe(action.group()));
    ahead(Call.AGENT, action.instance(), () -> automations.agentOf(action.instance()));
  }

  @Override
  public synchronized void forget() {
    expected.clear();
  }

  /** SSM, taking the answers made ahead while the core's calls come in the pre-flight's order. */
  public Automations automations() {
    return new Automations() {
      @Override
      public Runbook.ExecutionId start(Runbook.Start start) {
        unforeseen();
        return automations.start(start);
      }

      @Override
      public Optional<Runbook.Found> findEarlier(Runbook.Start start) {
        unforeseen();
        return automations.findEarlier(start);
      }

      @Override
      public Optional<Runbook.Entry> latest(Runbook.Seat seat) {
        return answer(Call.RECORD, seat, () -> automations.latest(seat));
      }

      @Override
      public void record(Runbook.ExecutionId execution, Map<String, String> tags) {
        unforeseen();
        automations.record(execution, tags);
      }

      @Override
      public Map<String, String> tagsOf(Runbook.ExecutionId execution) {
        unforeseen();
        return automations.tagsOf(execution);
      }

      @Override
      public Fleet.Agent agentOf(LifecycleAction.InstanceId instance) {
        return answer(Call.AGENT, instance, () -> automations.agentOf(instance));
      }

      @Override
      public Runbook.Observation observe(Runbook.ExecutionId execution) {
        unforeseen();
        return automations.observe(execution);
      }
    };
  }

  /** Auto Scaling, taking the answers made ahead while the core's calls come in the pre-flight's order. */
  public LifecycleActions lifecycleActions() {
    return new LifecycleActions() {
      @Override
      public Answer recordHeartbeat(LifecycleAction action) {
        taken(Call.HEARTBEAT, action);
        try {
          Answer answer = lifecycleActions.recordHeartbeat(action);
          if (answer != Answer.ACCEPTED) {
            forget();
          }
          return answer;
        } catch (RuntimeException failed) {
          forget();
          throw failed;
        }
      }

      @Override
      public Answer complete(LifecycleAction action, LifecycleResult result) {
        unforeseen();
        return lifecycleActions.complete(action, result);
      }

      @Override
      public HookTimeouts timeoutsOf(LifecycleAction.GroupName group, LifecycleAction.HookName hook) {
        return answer(Call.HOOK, List.of(group, hook), () -> lifecycleActions.timeoutsOf(group, hook));
      }

      @Override
      public Fleet.Group describe(LifecycleAction.GroupName group) {
        return answer(Call.GROUP, group, () -> lifecycleActions.describe(group));
      }

      @Override
      public List<Fleet.Activity> activitiesInProgress(LifecycleAction.GroupName group) {
        unforeseen();
        return lifecycleActions.activitiesInProgress(group);
      }

      @Override
      public Map<LifecycleAction.GroupName, Fleet.Group> enrolled() {
        unforeseen();
        return lifecycleActions.enrolled();
      }
    };
  }

  private void ahead(Call call, Object request, Supplier<?> lookUp) {
    expected.add(new Expected(call, request, Optional.of(CompletableFuture.supplyAsync(lookUp, executor))));
  }

  /** The answer made ahead for this call, if it is the one expected next and succeeded; else the call made now. */
  private <T> T answer(Call call, Object request, Supplier<T> callNow) {
    Optional<CompletableFuture<?>> madeAhead = taken(call, request);
    if (madeAhead.isPresent()) {
      try {
        @SuppressWarnings("unchecked")
        T answer = (T) madeAhead.get().join();
        return answer;
      } catch (CompletionException failed) {
        // Made again now, so that the core meets the failure, or the success, of its own call.
      }
    }
    return callNow.get();
  }

  /** A call no pre-flight makes ahead: whatever is left is dropped. */
  private void unforeseen() {
    taken(Call.OTHER, this);
  }

  /**
   * Takes the expectation of this call if it is the next one, with the answer made ahead, if any;
   * any other call drops every expectation left.
   */
  private synchronized Optional<CompletableFuture<?>> taken(Call call, Object request) {
    Expected next = expected.peekFirst();
    if (next == null) {
      return Optional.empty();
    }
    if (next.call() != call || !next.request().equals(request)) {
      expected.clear();
      return Optional.empty();
    }
    expected.removeFirst();
    return next.answer();
  }
}

package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.LookAhead;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The ports, implemented over the SDK clients: what the handler wires the core to, with no SDK type
 * in sight. Built once per cold start, over clients built once. SSM and Auto Scaling are reached
 * through one {@link PreflightLookAhead}, so that a new action's pre-flight look-ups are made at once.
 */
public final class AwsPorts {

  /**
   * Where the pre-flight's look-ups are made ahead, four for each new action: on daemon threads made
   * when first needed and ended after a minute idle, so that none holds the runtime's JVM up.
   */
  private static final ExecutorService LOOK_UPS = Executors.newCachedThreadPool(task -> {
    Thread thread = new Thread(task, "pre-flight look-up");
    thread.setDaemon(true);
    return thread;
  });

  private final AwsClients clients;
  private final Function<Continuation, byte[]> encoding;
  private final PreflightLookAhead lookAhead;

  /** @param encoding a continuation's event, as the function reads it back */
  public AwsPorts(AwsClients clients, Function<Continuation, byte[]> encoding) {
    this.clients = clients;
    this.encoding = encoding;
    this.lookAhead = new PreflightLookAhead(new SsmAutomations(clients.ssm()),
        new AutoScalingLifecycleActions(clients.autoScaling()), LOOK_UPS);
  }

  public Automations automations() {
    return lookAhead.automations();
  }

  public LifecycleActions lifecycleActions() {
    return lookAhead.lifecycleActions();
  }

  /** What the core tells of a new action's pre-flight, so that its look-ups are made at once. */
  public LookAhead lookAhead() {
    return lookAhead;
  }

  public WaitingRoom waitingRoom(String queueUrl) {
    return new SqsWaitingRoom(clients::sqs, queueUrl, encoding);
  }

  /** Hand-overs to a fresh invocation of the function with this ARN. */
  public Continuations continuationsTo(String functionArn) {
    return new LambdaContinuations(clients::lambda, functionArn, encoding);
  }

  /** The attempts AWS throttled since this was last asked. */
  public long takeThrottledCount() {
    return clients.takeThrottledCount();
  }
}

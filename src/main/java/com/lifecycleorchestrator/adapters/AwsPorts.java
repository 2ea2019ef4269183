package com.lifecycleorchestrator.adapters;

import com.lifecycleorchestrator.core.Continuation;
import com.lifecycleorchestrator.core.Automations;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.LifecycleActions;
import com.lifecycleorchestrator.core.WaitingRoom;
import java.util.function.Function;

/**
 * The ports, implemented over the SDK clients: what the handler wires the core to, with no SDK type
 * in sight. Built once per cold start, over clients built once.
 */
public final class AwsPorts {

  private final AwsClients clients;
  private final Function<Continuation, byte[]> encoding;

  /** @param encoding a continuation's event, as the function reads it back */
  public AwsPorts(AwsClients clients, Function<Continuation, byte[]> encoding) {
    this.clients = clients;
    this.encoding = encoding;
  }

  public Automations automations() {
    return new SsmAutomations(clients.ssm());
  }

  public LifecycleActions lifecycleActions() {
    return new AutoScalingLifecycleActions(clients.autoScaling());
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

package com.lifecycleorchestrator.handler;

import static software.amazon.lambda.powertools.logging.argument.StructuredArguments.entries;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.adapters.AwsClients;
import com.lifecycleorchestrator.adapters.AwsPorts;
import com.lifecycleorchestrator.core.Budget;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.Milestone;
import com.lifecycleorchestrator.core.Orchestrator;
import com.lifecycleorchestrator.core.Outcome;
import com.lifecycleorchestrator.core.Reconciler;
import com.lifecycleorchestrator.core.Continuations;
import com.lifecycleorchestrator.core.ServiceFailure;
import com.lifecycleorchestrator.core.WaitingRoom;
import com.lifecycleorchestrator.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

/**
 * The Lambda entry point. It reads the delivery, hands a lifecycle action to the orchestrator, and
 * turns the outcome into the final log line and the return value. An outcome that needs a person
 * (a malformed event, a result that could not be sent, time run out) fails the invocation, so that
 * Lambda delivers it again and, in the end, keeps it in the failure destination; from the waiting
 * room, it is reported as the message's failure in an {@link SQSBatchResponse}, the message set to
 * come back soon rather than after the queue's visibility timeout, and, in the end, kept in the
 * queue's dead-letter queue.
 */
public final class LifecycleHandler implements RequestStreamHandler {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final int MAX_LOGGED_EVENT = 8192;

  /**
   * The keys of Powertools' {@code cold_start} and {@code service} fields in the logging context,
   * which its JSON layout prints (PowertoolsLoggedFields, internal to Powertools).
   */
  private static final String COLD_START_KEY = "cold_start";
  private static final String SERVICE_KEY = "service";

  /** The {@code service} of the logs, as of the metrics: POWERTOOLS_SERVICE_NAME, or the function's name. */
  private static final String SERVICE =
      Optional.ofNullable(System.getenv("POWERTOOLS_SERVICE_NAME")).orElse(FunctionMetrics.SERVICE);

  /**
   * How much later a failed message of the waiting room comes back at each receive: as Lambda
   * retries a failed asynchronous invocation, after one minute, then two.
   */
  public static final Duration REDELIVERY_STEP = Duration.ofMinutes(1);

  private final EventParser parser = new EventParser();
  private final Orchestrator orchestrator;
  private final Function<String, Continuations> continuationsTo;
  private final FunctionMetrics metrics;
  private final Optional<Reconciler> reconciler;
  private final Optional<WaitingRoom> waitingRoom;
  /** Whether the next invocation is the first since an init or a SnapStart restore. */
  private final AtomicBoolean coldStart;

  /** Lambda's constructor: the orchestrator, its clients and settings, as built at cold start. */
  public LifecycleHandler() {
    this(ColdStart.HANDLER);
  }

  /**
   * The instance Lambda makes shares all that was built at cold start, the cold-start flag too: the
   * priming's restore hook resets it on the handler it was registered with, not on this one.
   */
  private LifecycleHandler(LifecycleHandler built) {
    this.orchestrator = built.orchestrator;
    this.continuationsTo = built.continuationsTo;
    this.metrics = built.metrics;
    this.reconciler = built.reconciler;
    this.waitingRoom = built.waitingRoom;
    this.coldStart = built.coldStart;
  }

  /**
   * @param continuationsTo the way to hand an action over to a fresh invocation of the function
   *     with the given ARN
   * @param metrics the metrics, also a listener of the orchestrator's milestones
   * @param reconciler the reconciler, if the groups and hook to watch are configured
   * @param waitingRoom the waiting room whose messages invoke the function, if there is one
   */
  LifecycleHandler(Orchestrator orchestrator, Function<String, Continuations> continuationsTo,
      FunctionMetrics metrics, Optional<Reconciler> reconciler, Optional<WaitingRoom> waitingRoom) {
    this.orchestrator = orchestrator;
    this.continuationsTo = continuationsTo;
    this.metrics = metrics;
    this.reconciler = reconciler;
    this.waitingRoom = waitingRoom;
    this.coldStart = new AtomicBoolean(true);
  }

  /** Built once, while Lambda initialises the function (and before a SnapStart snapshot). */
  private static final class ColdStart {
    static final Settings SETTINGS = settings();
    static final LifecycleHandler HANDLER =
        wiredTo(SETTINGS, AwsClients.forLambdaEnvironment(SETTINGS.region(), SETTINGS.sdk()), Clock.SYSTEM);
    static final Priming PRIMING = Priming.atInit(SETTINGS, HANDLER::restored);

    private static Settings settings() {
      try {
        return Settings.fromEnvironment();
      } catch (Settings.InvalidSettings invalid) {
        LOG.error(invalid.getMessage());
        throw invalid;
      }
    }
  }

  /** The handler with the core wired to AWS through the adapters, logging its milestones. */
  static LifecycleHandler wiredTo(Settings settings, AwsClients clients, Clock clock) {
    AwsPorts ports = new AwsPorts(clients, continuation -> ContinuationEvent.encode(continuation, clock.now()));
    FunctionMetrics metrics = new FunctionMetrics(ports::takeThrottledCount);
    Orchestrator orchestrator = orchestrator(settings, ports, clock, new MilestoneLog().andThen(metrics));
    Optional<Reconciler> reconciler = settings.reconciler().map(reconciling ->
        new Reconciler(ports.automations(), ports.lifecycleActions(), clock, settings.orchestration(), reconciling));
    return new LifecycleHandler(orchestrator, ports::continuationsTo, metrics, reconciler,
        settings.waitingRoomQueueUrl().map(ports::waitingRoom));
  }

  /** The core wired to AWS through the adapters, telling its milestones to {@code listener}. */
  static Orchestrator orchestrator(Settings settings, AwsPorts ports, Clock clock, Milestone.Listener listener) {
    return new Orchestrator(ports.automations(), ports.lifecycleActions(),
        settings.waitingRoomQueueUrl().map(ports::waitingRoom), clock, settings.orchestration(), listener,
        ports.lookAhead());
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    byte[] payload = input.readAllBytes();
    Answer answer = PowertoolsLogging.withLogging(context, () -> handle(payload, context));
    if (answer.fromWaitingRoom().isPresent()) {
      JSON.writeValue(output, batchResponse(answer));
      return;
    }
    JSON.writeValue(output, answer.report().fields());
    if (answer.report().severity() == OutcomeReport.Severity.ERROR) {
      throw new LifecycleActionNotHandled(answer.report().message());
    }
  }

  /** The next invocation is the first since a SnapStart restore: a cold start, as the first after an init is. */
  void restored() {
    coldStart.set(true);
  }

  /** How the invocation went, and the waiting room's message it handled, if it came from there. */
  private record Answer(OutcomeReport report, Optional<SQSEvent.SQSMessage> fromWaitingRoom) {}

  /**
   * The event source mapping's answer ("Handling errors for an SQS event source in Lambda": partial
   * batch responses): the message failed, or nothing did.
   */
  private static SQSBatchResponse batchResponse(Answer answer) {
    return new SQSBatchResponse(answer.report().severity() == OutcomeReport.Severity.ERROR
        ? List.of(new SQSBatchResponse.BatchItemFailure(answer.fromWaitingRoom().orElseThrow().getMessageId()))
        : List.of());
  }

  private Answer handle(byte[] payload, Context context) {
    // Powertools judges a cold start by AWS_LAMBDA_INITIALIZATION_TYPE alone: never under SnapStart,
    // not even after a restore, and never where the variable is unset (sam local); and it names an
    // unset service "service_undefined".
    MDC.put(COLD_START_KEY, String.valueOf(coldStart.getAndSet(false)));
    MDC.put(SERVICE_KEY, SERVICE);
    Instant now = orchestrator.clock().now();
    Outcome outcome;
    Optional<SQSEvent.SQSMessage> fromWaitingRoom = Optional.empty();
    try {
      EventParser.Inbound inbound = parser.parse(payload);
      if (inbound instanceof EventParser.Inbound.FromWaitingRoom parked) {
        fromWaitingRoom = Optional.of(parked.message());
        inbound = parser.continuationIn(parked.message());
      }
      Continuations continuations = continuationsTo.apply(context.getInvokedFunctionArn());
      if (inbound instanceof EventParser.Inbound.Action delivery) {
        OutcomeReport.identifiers(delivery.action()).forEach(MDC::put);
        LOG.info("lifecycle action accepted from event {}", delivery.eventId());
        outcome = orchestrator.handle(delivery.action(), budget(now, context), continuations);
      } else if (inbound instanceof EventParser.Inbound.Resume resume) {
        OutcomeReport.identifiers(resume.continuation().action()).forEach(MDC::put);
        outcome = orchestrator.resume(resume.continuation(), budget(now, context), continuations);
      } else if (inbound instanceof EventParser.Inbound.RunbookEnded ended) {
        MDC.put("execution_id", ended.end().execution().value());
        outcome = orchestrator.runbookEnded(ended.end(), budget(now, context), continuations);
      } else if (inbound instanceof EventParser.Inbound.Reconcile) {
        outcome = reconciler
            .<Outcome>map(pass -> new Outcome.Reconciled(pass.reconcile(continuations)))
            .orElse(new Outcome.Ignored("a scheduled event, but no reconciler is configured ("
                + Settings.GROUP_NAMES + " and " + Settings.HOOK_NAME + " are unset)"));
      } else {
        outcome = new Outcome.Ignored(((EventParser.Inbound.NotForUs) inbound).reason());
      }
    } catch (EventParser.MalformedEvent malformed) {
      outcome = new Outcome.Refused(malformed.problems());
    }
    metrics.flush(outcome);
    OutcomeReport report = OutcomeReport.of(outcome, orchestrator::retainsAbandoned);
    Map<String, Object> logged = new LinkedHashMap<>(report.fields());
    Optional.ofNullable(MDC.getCopyOfContextMap()).ifPresent(keys -> logged.keySet().removeAll(keys.keySet()));
    if (outcome instanceof Outcome.Refused) {
      logged.put("event", excerpt(payload));
    }
    switch (report.severity()) {
      case INFO -> LOG.info(report.message(), entries(logged));
      case WARN -> LOG.warn(report.message(), entries(logged));
      case ERROR -> LOG.error(report.message(), entries(logged));
    }
    if (report.severity() == OutcomeReport.Severity.ERROR) {
      fromWaitingRoom.ifPresent(this::comeBackSoon);
    }
    return new Answer(report, fromWaitingRoom);
  }

  /**
   * A failed message of the waiting room comes back within minutes, a minute later at each receive,
   * while the hook still holds the instance; left alone it would come back only when the queue's
   * visibility timeout runs out. If that cannot be arranged, it still does.
   */
  private void comeBackSoon(SQSEvent.SQSMessage message) {
    int receives = Optional.ofNullable(message.getAttributes())
        .map(attributes -> attributes.get("ApproximateReceiveCount"))
        .filter(count -> count.matches("[1-9][0-9]{0,4}"))
        .map(Integer::parseInt)
        .orElse(1);
    Duration delay = REDELIVERY_STEP.multipliedBy(receives);
    try {
      waitingRoom.orElseThrow(() -> new IllegalStateException("a message of the waiting room arrived, but "
          + Settings.WAITING_ROOM_QUEUE_URL + " is unset")).redeliverAfter(message.getReceiptHandle(), delay);
      LOG.info("the waiting room's message {} comes back in {} s", message.getMessageId(), delay.toSeconds());
    } catch (ServiceFailure | IllegalStateException notRescheduled) {
      LOG.warn("the waiting room's message {} comes back only after the queue's visibility timeout: {}",
          message.getMessageId(), notRescheduled.getMessage());
    }
  }

  /** The delivery as received, so that a refused event keeps every identifier it had. */
  private static String excerpt(byte[] payload) {
    String text = new String(payload, StandardCharsets.UTF_8);
    return text.length() <= MAX_LOGGED_EVENT ? text : text.substring(0, MAX_LOGGED_EVENT) + "...";
  }

  /** The wait ends early enough to send the result within the invocation's time. */
  private Budget budget(Instant now, Context context) {
    return orchestrator.budget(now, Duration.ofMillis(context.getRemainingTimeInMillis()));
  }

  /** Fails the invocation, so the delivery is retried and, in the end, kept for a person. */
  static final class LifecycleActionNotHandled extends RuntimeException {
    LifecycleActionNotHandled(String message) {
      super(message);
    }
  }
}

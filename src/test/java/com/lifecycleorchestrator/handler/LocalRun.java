package com.lifecycleorchestrator.handler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInAutoScaling;
import com.lifecycleorchestrator.standin.StandInSsm;
import com.lifecycleorchestrator.deployment.DeployedFunction;
import com.lifecycleorchestrator.testkit.FakeContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The function run on a sample event with no AWS account: the event file's raw bytes through
 * {@link LifecycleHandler#handleRequest}, as the Lambda runtime and {@code sam local invoke} hand
 * them over, with the function's own settings and SDK clients talking to a local {@link AwsStandIn}
 * on the wall clock. It prints a timeline of what the function logs and what AWS sees, from the
 * event's arrival to the instance's release. The README's quick start runs it through Maven,
 * {@code mvn -q -Plocal-run} with the {@link #OPTIONS} as {@code -D} properties, which
 * {@link LocalRunCommand} checks and hands to this class's {@link #main} in a JVM of its own.
 */
public final class LocalRun {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOCUMENT = "GracefulExit-ArchiveLogs";
  private static final String LAUNCH_DOCUMENT = "GracefulLaunch-Warmup";
  private static final Path FUNCTION_LOG = Path.of("target", "local-run", "function.log");

  /** What a run ends with: its process's exit status. */
  enum Exit {
    /** The function handled the event: completed the action, ignored the event, or handed it on. */
    HANDLED(0),
    /** The function failed the invocation: Lambda would retry it and keep it in the failure queue. */
    INVOCATION_FAILED(1),
    /** The run could not begin: an option or the event file is wrong. */
    BAD_USAGE(2);

    final int status;

    Exit(int status) {
      this.status = status;
    }
  }

  /** An option or an event file the run cannot go on with, said in one line. */
  static final class UsageError extends RuntimeException {
    UsageError(String message) {
      super(message.replaceAll("\\s*\\R\\s*", " "));
    }
  }

  /**
   * One {@code -D} option of the local run: its name, the values it takes (any, when empty: a
   * file), its default and what it does. A new scenario is a new row of {@link #OPTIONS}, a
   * component of {@link Options} and the line of {@link Options#of} that reads it.
   */
  record Option(String name, List<String> values, String byDefault, String help) {

    String read(Map<String, String> given) {
      String value = given.getOrDefault(name, byDefault);
      if (!values.isEmpty() && !values.contains(value)) {
        throw new UsageError("-D" + name + "=" + value + " is not an option: -D" + name + " takes "
            + String.join(", ", values));
      }
      return value;
    }

    String usage() {
      return "-D" + name + "=" + (values.isEmpty() ? "FILE" : String.join("|", values));
    }
  }

  static final Option EVENT = new Option("event", List.of(), "events/terminate.json",
      "the event to deliver");
  static final Option RUNBOOK = new Option("runbook", List.of("succeeds", "fails", "slow"), "succeeds",
      "fails: the runbook ends Failed and the function completes the action with ABANDON; slow: it runs "
          + "40 s against a hook with a 30 s heartbeat timeout, and heartbeats show");
  static final Option THROTTLED = new Option("throttled", List.of("true", "false"), "false",
      "30% of all AWS calls are throttled; the SDK retries them (-Dthrottled alone means true)");
  static final Option LAUNCH = new Option("launch", List.of("true", "false"), "false",
      "delivers events/launch.json (unless -Devent names another) for an instance whose SSM agent registers "
          + "8 s after the launch: the function waits for it, then runs the launch runbook (-Dlaunch alone means true)");

  static final Option WARM_POOL = new Option("warmPool", List.of("true", "false"), "false",
      "delivers events/warm-pool-return.json, then events/warm-pool-terminate.json: the instance returns to the "
          + "warm pool on scale-in, then is terminated from it; each lifecycle action runs its own runbook and is "
          + "completed on its own (-DwarmPool alone means true)");

  static final Option STATUS_EVENT = new Option("statusEvent", List.of("true", "false"), "false",
      "the runbook runs 30 s: the function polls it for 10 s, then parks the wait in the waiting room, and the "
          + "runbook's status-change event, delivered as EventBridge would when the runbook ends, releases the "
          + "instance at once (-DstatusEvent alone means true)");


  /** How long the runbook runs when its end comes as a status-change event: longer than the function's short polls. */
  static final Duration RUNNING_TILL_ITS_EVENT = Duration.ofSeconds(30);
  /** The sample status-change event the run delivers when the runbook ends, its execution and times set. */
  static final Path STATUS_EVENT_SAMPLE = Path.of("events", "runbook-ended.json");
  private static final String WAITING_ROOM = "waiting-room";

  static final Option FLEET = new Option("fleet", List.of("true", "false"), "false",
      "fleet mode: events/terminate.json delivered for three groups, web-asg tagged for the stack's runbook, "
          + "batch-asg for another runbook the stack allows, legacy-asg not tagged and left alone (-Dfleet alone means true)");

  /** Every option, in the order the usage lists them. */
  static final List<Option> OPTIONS = List.of(EVENT, RUNBOOK, THROTTLED, LAUNCH, WARM_POOL, FLEET, STATUS_EVENT);

  /**
   * The fleet scenario's groups, each with the value of its opt-in tag (none: not tagged), and the
   * instance and token its copy of the terminate event names.
   */
  record FleetGroup(String group, Optional<String> runbookTag, String instance, String token) {}

  static final String FLEET_RUNBOOK = "drain-and-archive";
  static final String RUNBOOK_TAG = "lifecycle-orchestrator:runbook";
  static final List<FleetGroup> FLEET_GROUPS = List.of(
      new FleetGroup("web-asg", Optional.of("default"), "i-0a1b2c3d4e5f67890", "87654321-4321-4321-4321-210987654321"),
      new FleetGroup("batch-asg", Optional.of(FLEET_RUNBOOK), "i-0b1b2c3d4e5f67890", "87654321-4321-4321-4321-210987654322"),
      new FleetGroup("legacy-asg", Optional.empty(), "i-0c1b2c3d4e5f67890", "87654321-4321-4321-4321-210987654323"));

  /** The warm-pool scenario's two events: the return to the pool, then the termination from it. */
  static final List<String> WARM_POOL_EVENTS = List.of("events/warm-pool-return.json", "events/warm-pool-terminate.json");

  /**
   * How late the launched instance's agent registers in the launch scenario: a few seconds, so the
   * wait shows without a real boot's minute and a half.
   */
  static final Duration LATE_REGISTRATION = Duration.ofSeconds(8);

  /** How the runbook behaves, and the hook it runs against. */
  enum RunbookMode {
    SUCCEEDS(Duration.ofSeconds(3), "Success", Duration.ofHours(1)),
    FAILS(Duration.ofSeconds(3), "Failed", Duration.ofHours(1)),
    SLOW(Duration.ofSeconds(40), "Success", Duration.ofSeconds(30));

    final Duration running;
    final String finalStatus;
    final Duration heartbeatTimeout;

    RunbookMode(Duration running, String finalStatus, Duration heartbeatTimeout) {
      this.running = running;
      this.finalStatus = finalStatus;
      this.heartbeatTimeout = heartbeatTimeout;
    }

    StandInSsm.Script script(boolean endsWithAnEvent) {
      return new StandInSsm.Script(List.of(new StandInSsm.Phase("Pending", Duration.ofMillis(1500)),
          new StandInSsm.Phase("InProgress", endsWithAnEvent ? RUNNING_TILL_ITS_EVENT : running)), finalStatus);
    }
  }

  record Options(Path event, RunbookMode runbook, boolean throttled, boolean launch, boolean warmPool, boolean fleet,
      boolean statusEvent) {

    /** The event files delivered, one after the other: the warm-pool scenario's two, or the one event. */
    List<Path> events() {
      return warmPool ? List.of(event, Path.of(WARM_POOL_EVENTS.get(1))) : List.of(event);
    }

    /**
     * What is delivered, one after the other: each event file, or in the fleet scenario the terminate
     * event once for each of its groups, naming that group's instance and token.
     */
    List<Delivery> deliveries() throws IOException {
      List<Delivery> deliveries = new ArrayList<>();
      for (Path file : events()) {
        byte[] event = Files.readAllBytes(file);
        if (!fleet) {
          deliveries.add(new Delivery(file.toString(), event));
          continue;
        }
        for (FleetGroup group : FLEET_GROUPS) {
          ObjectNode copy = (ObjectNode) JSON.readTree(event);
          ((ObjectNode) copy.path("detail")).put("AutoScalingGroupName", group.group())
              .put("EC2InstanceId", group.instance()).put("LifecycleActionToken", group.token());
          deliveries.add(new Delivery(file + " for " + group.group(), JSON.writeValueAsBytes(copy)));
        }
      }
      return deliveries;
    }

    /**
     * The options given by name, every one checked: an unknown name, a value an option does not
     * take, or an event file that is missing or not JSON is a {@link UsageError}.
     */
    static Options of(Map<String, String> given, Path directory) {
      List<String> unknown = given.keySet().stream()
          .filter(name -> OPTIONS.stream().noneMatch(option -> option.name().equals(name)))
          .toList();
      if (!unknown.isEmpty()) {
        throw new UsageError("unknown option -D" + unknown.get(0) + similarTo(unknown.get(0))
            .map(option -> "; did you mean -D" + option.name() + "?").orElse("") + " " + usage());
      }
      boolean launch = Boolean.parseBoolean(LAUNCH.read(given));
      boolean warmPool = Boolean.parseBoolean(WARM_POOL.read(given));
      boolean fleet = Boolean.parseBoolean(FLEET.read(given));
      if (fleet && (launch || warmPool || given.containsKey(EVENT.name()))) {
        throw new UsageError("-D" + FLEET.name() + " delivers events/terminate.json for each of its groups: leave out "
            + (launch ? "-D" + LAUNCH.name() : warmPool ? "-D" + WARM_POOL.name() : "-D" + EVENT.name()));
      }
      if (warmPool && (launch || given.containsKey(EVENT.name()))) {
        throw new UsageError("-D" + WARM_POOL.name() + " delivers its own two events, "
            + String.join(" then ", WARM_POOL_EVENTS) + ": leave out " + (launch ? "-D" + LAUNCH.name() : "-D"
            + EVENT.name()));
      }
      String event = warmPool ? WARM_POOL_EVENTS.get(0)
          : launch && !given.containsKey(EVENT.name()) ? "events/launch.json" : EVENT.read(given);
      if (warmPool) {
        eventFile(WARM_POOL_EVENTS.get(1), directory);
      }
      return new Options(eventFile(event, directory),
          RunbookMode.valueOf(RUNBOOK.read(given).toUpperCase(Locale.ROOT)),
          Boolean.parseBoolean(THROTTLED.read(given)), launch, warmPool, fleet,
          Boolean.parseBoolean(STATUS_EVENT.read(given)));
    }

    /** The options as the command line of {@link LocalRun#main} gives them: {@code --name=value}. */
    static Options parse(String... arguments) {
      Map<String, String> given = new LinkedHashMap<>();
      for (String argument : arguments) {
        if (!argument.startsWith("--") || !argument.contains("=")) {
          throw new UsageError("not an option: " + argument + " " + usage());
        }
        given.put(argument.substring(2, argument.indexOf('=')), argument.substring(argument.indexOf('=') + 1));
      }
      return of(given, Path.of(""));
    }

    /**
     * The options among the properties Maven was given with {@code -D} (with every other system
     * property of its JVM): ours, and any that looks like a misspelling of ours, which is refused
     * rather than left to be silently ignored. Other names are Maven's or Java's.
     */
    static Options fromProperties(Map<String, String> properties, Path directory) {
      Map<String, String> given = new LinkedHashMap<>();
      properties.forEach((name, value) -> {
        if (OPTIONS.stream().anyMatch(option -> option.name().equals(name)) || similarTo(name).isPresent()) {
          given.put(name, value);
        }
      });
      return of(given, directory);
    }

    /**
     * The command line that gives these options to {@link LocalRun#main}; the warm-pool and fleet
     * scenarios' events are their own, so their command lines name none.
     */
    List<String> arguments() {
      List<String> arguments = new ArrayList<>(warmPool || fleet ? List.of() : List.of("--" + EVENT.name() + "=" + event));
      arguments.addAll(List.of("--" + RUNBOOK.name() + "=" + runbook.name().toLowerCase(Locale.ROOT),
          "--" + THROTTLED.name() + "=" + throttled, "--" + LAUNCH.name() + "=" + launch,
          "--" + WARM_POOL.name() + "=" + warmPool, "--" + FLEET.name() + "=" + fleet,
          "--" + STATUS_EVENT.name() + "=" + statusEvent));
      return arguments;
    }

    /** The option a name not ours was probably meant to be: same letters but for case, or two edits away. */
    static Optional<Option> similarTo(String name) {
      String lower = name.toLowerCase(Locale.ROOT);
      return OPTIONS.stream()
          .filter(option -> !option.name().equals(name))
          .filter(option -> !name.contains(".") && (lower.contains(option.name().toLowerCase(Locale.ROOT))
              || editDistance(lower, option.name().toLowerCase(Locale.ROOT)) <= 2))
          .findFirst();
    }

    private static int editDistance(String a, String b) {
      int[] previous = new int[b.length() + 1];
      for (int j = 0; j <= b.length(); j++) {
        previous[j] = j;
      }
      for (int i = 1; i <= a.length(); i++) {
        int[] current = new int[b.length() + 1];
        current[0] = i;
        for (int j = 1; j <= b.length(); j++) {
          int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
          current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
        }
        previous = current;
      }
      return previous[b.length()];
    }

    /**
     * The event file, if it is one: present in {@code directory}, readable, and a JSON document
     * (what the document says is the function's to judge).
     */
    private static Path eventFile(String name, Path directory) {
      Path file = directory.resolve(name);
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new UsageError("-D" + EVENT.name() + "=" + name + ": no such file (looked for "
            + file.toAbsolutePath().normalize() + ")");
      }
      try {
        if (JSON.readTree(file.toFile()).isMissingNode()) {
          throw new UsageError("-D" + EVENT.name() + "=" + name + " is empty: it must hold one JSON event");
        }
      } catch (JsonProcessingException e) {
        throw new UsageError("-D" + EVENT.name() + "=" + name + " is not JSON: " + e.getOriginalMessage()
            + Optional.ofNullable(e.getLocation())
                .map(at -> " at line " + at.getLineNr() + ", column " + at.getColumnNr()).orElse(""));
      } catch (IOException e) {
        throw new UsageError("-D" + EVENT.name() + "=" + name + " cannot be read: " + e.getMessage());
      }
      return Path.of(name);
    }

    static String usage() {
      return "(options: " + OPTIONS.stream().map(Option::usage).collect(Collectors.joining(" ")) + ")";
    }
  }

  public static void main(String[] arguments) throws IOException {
    Options options;
    try {
      options = Options.parse(arguments);
    } catch (UsageError e) {
      System.err.println("local run: " + e.getMessage());
      System.exit(Exit.BAD_USAGE.status);
      return;
    }
    Exit exit = new LocalRun(options, System.out, Clock.SYSTEM).run();
    // Like the Lambda runtime, a library may leave a thread of its own behind; the run is over.
    System.exit(exit.status);
  }

  private final Options options;
  private final PrintStream out;
  private final Clock clock;
  private final Instant started;

  /** A run on the given clock: the wall clock for a person, a virtual one for a test. */
  LocalRun(Options options, PrintStream out, Clock clock) {
    this.options = options;
    this.out = out;
    this.clock = clock;
    this.started = clock.now();
  }

  Exit run() throws IOException {
    Files.createDirectories(FUNCTION_LOG.getParent());
    try (AwsStandIn standIn = AwsStandIn.start(clock);
         OutputStream functionLog = Files.newOutputStream(FUNCTION_LOG)) {
      prepare(standIn);
      printHeader(standIn, HeldAction.in(Files.readAllBytes(options.event())));
      standIn.onCall(this::showCall);
      LifecycleHandler handler = LocalFunction.against(standIn, environment(standIn), clock);
      List<Invocation> invocations = new ArrayList<>();
      for (Delivery delivery : options.deliveries()) {
        byte[] event = asIfJustSent(delivery.event());
        Optional<HeldAction> held = HeldAction.in(event);
        hold(standIn, held);
        PrintStream original = System.out;
        System.setOut(new PrintStream(new FunctionLog(functionLog), true, StandardCharsets.UTF_8));
        try {
          invocations.add(invoke(handler, delivery.name(), held, event));
          if (options.statusEvent() && held.isPresent() && invocations.get(invocations.size() - 1).failure().isEmpty()) {
            invocations.add(deliverTheStatusEventAtTheRunbooksEnd(standIn, handler, held));
          }
        } finally {
          System.setOut(original);
        }
        if (invocations.get(invocations.size() - 1).failure().isPresent()) {
          break;
        }
      }
      printSummary(standIn, invocations);
      return invocations.stream().anyMatch(invocation -> invocation.failure().isPresent())
          ? Exit.INVOCATION_FAILED : Exit.HANDLED;
    }
  }

  /** One event to deliver, and what the timeline calls it. */
  record Delivery(String name, byte[] event) {}

  /** One event delivered: the action it names, what handleRequest returned, and why it failed the invocation if it did. */
  private record Invocation(String event, Optional<HeldAction> held, String returned, Optional<String> failure) {}

  /**
   * An Auto Scaling event stamped with the run's time, as if Auto Scaling had just sent it: the
   * function counts the hook's timers from the event's time, and a sample's time lies in the past.
   */
  private byte[] asIfJustSent(byte[] event) {
    try {
      JsonNode root = JSON.readTree(event);
      if (root instanceof ObjectNode object && "aws.autoscaling".equals(root.path("source").asText())
          && root.path("time").isTextual()) {
        object.put("time", clock.now().truncatedTo(ChronoUnit.SECONDS).toString());
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(object);
      }
    } catch (IOException notJson) {
      // Handed to the function as it is, which says what is wrong with it.
    }
    return event;
  }

  /** The lifecycle action an event names, when it names one completely. */
  record HeldAction(String transition, String group, String hook, String instance, String token, Instant eventTime,
      String origin, String destination) {

    boolean terminating() {
      return transition.endsWith("TERMINATING");
    }

    /**
     * Where Auto Scaling holds the instance ("Warm pool instance lifecycle", EC2 Auto Scaling User
     * Guide): a move into the warm pool waits in Warmed:Pending:Wait, a termination from it in
     * Warmed:Terminating:Wait.
     */
    String waitState() {
      if (destination.equals("WarmPool")) {
        return "Warmed:Pending:Wait";
      }
      String state = terminating() ? "Terminating:Wait" : "Pending:Wait";
      return origin.equals("WarmPool") ? "Warmed:" + state : state;
    }

    /** The scaling activity that moves the instance, as Auto Scaling describes it. */
    String activity() {
      if (destination.equals("WarmPool")) {
        return "Moving EC2 instance " + instance + " into the warm pool";
      }
      return terminating() ? "Terminating EC2 instance: " + instance : "Launching a new EC2 instance: " + instance;
    }

    static Optional<HeldAction> in(byte[] event) {
      try {
        JsonNode root = JSON.readTree(event);
        JsonNode detail = root.path("detail");
        List<String> fields = List.of("LifecycleTransition", "AutoScalingGroupName", "LifecycleHookName",
            "EC2InstanceId", "LifecycleActionToken");
        if (!root.path("source").asText().equals("aws.autoscaling")
            || fields.stream().anyMatch(field -> !detail.path(field).isTextual())) {
          return Optional.empty();
        }
        return Optional.of(new HeldAction(detail.path("LifecycleTransition").asText(),
            detail.path("AutoScalingGroupName").asText(), detail.path("LifecycleHookName").asText(),
            detail.path("EC2InstanceId").asText(), detail.path("LifecycleActionToken").asText(),
            Instant.parse(root.path("time").asText()), detail.path("Origin").asText(""),
            detail.path("Destination").asText("")));
      } catch (IOException | DateTimeParseException e) {
        return Optional.empty();
      }
    }
  }

  /**
   * EventBridge's part: when the runbook ends, its status-change event ("Amazon EventBridge event
   * examples for Systems Manager"), the sample with this execution's id, runbook, status and time.
   */
  private Invocation deliverTheStatusEventAtTheRunbooksEnd(AwsStandIn standIn, LifecycleHandler handler,
      Optional<HeldAction> held) throws IOException {
    List<StandInSsm.ExecutionView> executions = standIn.ssm().executions();
    StandInSsm.ExecutionView execution = executions.get(executions.size() - 1);
    Instant endsAt = execution.startedAt().plus(Duration.ofMillis(1500)).plus(RUNNING_TILL_ITS_EVENT);
    try {
      clock.sleepUntil(endsAt.plusMillis(500));
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the runbook ran", interrupted);
    }
    StandInSsm.ExecutionView ended = standIn.ssm().executions().stream()
        .filter(view -> view.id().equals(execution.id())).findFirst().orElseThrow();
    ObjectNode event = (ObjectNode) JSON.readTree(Files.readAllBytes(STATUS_EVENT_SAMPLE));
    event.put("time", clock.now().truncatedTo(ChronoUnit.SECONDS).toString());
    ((ObjectNode) event.get("detail")).put("ExecutionId", ended.id()).put("Definition", ended.documentName())
        .put("Status", ended.status())
        .put("StartTime", EventParser.SSM_EVENT_TIME.format(ended.startedAt()))
        .put("EndTime", EventParser.SSM_EVENT_TIME.format(ended.endedAt().orElse(endsAt)));
    show("EventBridge", "delivers the runbook's status-change event: execution " + ended.id() + " ended "
        + ended.status());
    return invoke(handler, STATUS_EVENT_SAMPLE.toString(), held, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(event));
  }

  private void prepare(AwsStandIn standIn) {
    standIn.ssm()
        .document(StandInSsm.Document.declaring(DOCUMENT, "InstanceId", "S3BucketName").requiring("InstanceId"))
        .document(StandInSsm.Document.declaring(LAUNCH_DOCUMENT, "InstanceId", "S3BucketName").requiring("InstanceId"))
        .everyExecution(options.runbook().script(options.statusEvent()));
    if (options.statusEvent()) {
      standIn.sqs().queue(WAITING_ROOM, Duration.ofSeconds(5400), 5);
    }
    if (options.throttled()) {
      standIn.faults().everyOperation().throttle(0.3);
    }
    if (options.fleet()) {
      standIn.ssm().document(StandInSsm.Document.declaring(FLEET_RUNBOOK, "InstanceId").requiring("InstanceId"));
      FLEET_GROUPS.forEach(group -> group.runbookTag()
          .ifPresent(runbook -> standIn.autoScaling().tag(group.group(), RUNBOOK_TAG, runbook)));
    }
  }

  /** Auto Scaling holds the instance the event names, from now, at its hook, and says so. */
  private void hold(AwsStandIn standIn, Optional<HeldAction> held) {
    if (held.isEmpty()) {
      show("Auto Scaling", "holds nothing: the event names no complete lifecycle action");
      return;
    }
    HeldAction action = held.get();
    standIn.autoScaling()
        .hook(new StandInAutoScaling.Hook(action.group(), action.hook(), action.transition(),
            options.runbook().heartbeatTimeout, "ABANDON"))
        .holdIn(action.group(), action.hook(), action.instance(), action.token(), clock.now(), action.waitState(),
            action.activity());
    if (options.launch()) {
      standIn.ssm().launchedInstance(action.instance(), LATE_REGISTRATION);
    } else {
      standIn.ssm().managedInstance(action.instance(), "Online");
    }
    out.println("The event's time is set to now, " + action.eventTime() + ", as if Auto Scaling had just sent it.");
    show("Auto Scaling", "holds " + action.instance() + " at hook " + action.hook() + " of " + action.group() + " ("
        + action.waitState() + ", heartbeat timeout " + options.runbook().heartbeatTimeout.toSeconds()
        + " s, default result ABANDON)");
  }

  private Map<String, String> environment(AwsStandIn standIn) {
    Map<String, String> environment = new LinkedHashMap<>(Map.of(
        "AWS_REGION", AwsStandIn.REGION,
        "AUTOMATION_DOCUMENT_NAME", DOCUMENT,
        "LAUNCH_AUTOMATION_DOCUMENT_NAME", LAUNCH_DOCUMENT,
        "AUTOMATION_PARAMETERS", "{\"S3BucketName\": [\"my-logs\"]}",
        "HEARTBEAT_TIMEOUT_SECONDS", String.valueOf(options.runbook().heartbeatTimeout.toSeconds()),
        // A short cap on the polling interval, so that the instance is released within two seconds of the end.
        "MAX_POLL_INTERVAL_SECONDS", "2"));
    if (options.fleet()) {
      environment.putAll(Map.of("FLEET_MODE", "true", "LIFECYCLE_HOOK_NAME", "graceful-exit",
          "ALLOWED_RUNBOOKS", FLEET_RUNBOOK));
    }
    if (options.statusEvent()) {
      environment.put("RUNBOOK_STATUS_EVENTS", "true");
      environment.put("WAITING_ROOM_QUEUE_URL", standIn.sqs().queueUrl(WAITING_ROOM));
    }
    return environment;
  }

  private Invocation invoke(LifecycleHandler handler, String delivered, Optional<HeldAction> held, byte[] event) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    try {
      // The context Lambda would pass the deployed function: the template's memory size.
      handler.handleRequest(new ByteArrayInputStream(event), output, new FakeContext(Duration.ofMinutes(15),
          DeployedFunction.withDefaults().memoryMegabytes()));
      return new Invocation(delivered, held, output.toString(StandardCharsets.UTF_8), Optional.empty());
    } catch (LifecycleHandler.LifecycleActionNotHandled | IOException failed) {
      return new Invocation(delivered, held, output.toString(StandardCharsets.UTF_8), Optional.of(failed.getMessage()));
    }
  }

  private void printHeader(AwsStandIn standIn, Optional<HeldAction> first) throws IOException {
    RunbookMode runbook = options.runbook();
    out.println("Local run: " + options.deliveries().stream().map(Delivery::name).collect(Collectors.joining(" then "))
        + " through LifecycleHandler.handleRequest, as Lambda delivers it,");
    out.println("against a local AWS stand-in at " + standIn.endpoint() + " (no AWS account needed).");
    String document = first.filter(action -> !action.terminating()).isPresent() ? LAUNCH_DOCUMENT : DOCUMENT;
    out.println((options.fleet() ? "The runbooks " + document + " and " + FLEET_RUNBOOK + " are" : "The runbook "
        + document + " is") + " NOT executed locally: the stand-in only plays its statuses");
    out.println("(Pending 1.5 s, InProgress " + (options.statusEvent() ? RUNNING_TILL_ITS_EVENT : runbook.running)
        .toSeconds() + " s, then " + runbook.finalStatus + ")."
        + (options.throttled() ? " 30% of all calls are throttled." : ""));
    if (options.launch()) {
      out.println("The instance's SSM agent registers " + LATE_REGISTRATION.toSeconds() + " s after its launch, as a "
          + "booting instance's does: until then SSM does not know it.");
    }
    if (options.warmPool()) {
      out.println("The instance returns to the warm pool on scale-in, then is terminated from it: two lifecycle "
          + "actions of one instance, each with its own runbook and completion.");
    }
    if (options.fleet()) {
      out.println("Fleet mode: one deployment for every group tagged " + RUNBOOK_TAG + ". " + FLEET_GROUPS.stream()
          .map(group -> group.group() + group.runbookTag().map(tag -> " is tagged " + tag).orElse(" is not tagged"))
          .collect(Collectors.joining(", ")) + "; the stack allows " + FLEET_RUNBOOK + " besides its own.");
    }
    out.println();
  }

  /**
   * What AWS sees that the function's log does not say: faults, which runbook starts on which
   * instance, and the instance leaving its hook.
   */
  private void showCall(AwsStandIn.Call call) {
    if (call.succeeded() && call.operation().equals("StartAutomationExecution")) {
      show("SSM", "starts the runbook " + call.member("DocumentName").orElse("?") + " on "
          + call.member("Parameters.InstanceId.1").orElse("the instance"));
    } else if (!call.succeeded()) {
      show(call.service(), call.operation() + " answered " + call.answer()
          + (call.answer().startsWith("Throttling") ? "; the SDK backs off and tries again" : ""));
    } else if (call.operation().equals("CompleteLifecycleAction")) {
      show("Auto Scaling", "lifecycle action completed with " + call.member("LifecycleActionResult").orElse("?")
          + ": " + call.member("InstanceId").orElse("the instance") + " leaves its wait state");
    }
  }

  private void printSummary(AwsStandIn standIn, List<Invocation> invocations) {
    out.println();
    for (Invocation invocation : invocations) {
      out.println("Returned by handleRequest" + (invocations.size() > 1 ? " for " + invocation.event() : "") + ": "
          + invocation.returned().strip());
    }
    Map<String, Long> byOperation = standIn.calls().stream()
        .collect(Collectors.groupingBy(AwsStandIn.Call::operation, TreeMap::new, Collectors.counting()));
    out.println("The stand-in answered " + standIn.calls().size() + " calls: " + (byOperation.isEmpty() ? "none"
        : byOperation.entrySet().stream().map(entry -> entry.getKey() + " " + entry.getValue())
            .collect(Collectors.joining(", "))));
    List<HeldAction> held = invocations.stream().flatMap(invocation -> invocation.held().stream()).distinct().toList();
    held.forEach(action -> out.println("Auto Scaling ended the wait of "
        + action.instance() + (held.size() > 1 ? " in " + action.waitState() : "") + ": " + standIn.autoScaling().ending(action.token())
            .map(ending -> ending.result() + " (" + ending.cause().name().toLowerCase(Locale.ROOT)
                .replace('_', ' ') + ")")
            .orElse("still held")));
    out.println("The function's own JSON log lines are in " + FUNCTION_LOG + ".");
    invocations.stream().flatMap(invocation -> invocation.failure().stream()).findFirst().ifPresentOrElse(
        failure -> out.println("The invocation failed (exit status " + Exit.INVOCATION_FAILED.status + "): " + failure
            + ". Lambda would deliver the event again and, after its retries, keep it in the failure queue."),
        () -> out.println("Try also: -DstatusEvent, -Drunbook=fails, -Drunbook=slow, -Dthrottled, -Dlaunch, "
            + "-DwarmPool, -Dfleet, -Devent=events/malformed.json"));
  }

  private synchronized void show(String voice, String message) {
    double elapsed = Duration.between(started, clock.now()).toMillis() / 1000.0;
    out.printf(Locale.ROOT, "%6.1f s  %-12s  %s%n", elapsed, voice, message);
  }

  /**
   * Where the function's output goes while it runs: every line to the log file, and the message of
   * every log line to the timeline (its metrics, lines in Embedded Metric Format, go to the file only).
   */
  private final class FunctionLog extends OutputStream {
    private final OutputStream file;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    FunctionLog(OutputStream file) {
      this.file = file;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      file.write(b);
      if (b != '\n') {
        line.write(b);
        return;
      }
      String text = line.toString(StandardCharsets.UTF_8);
      line.reset();
      if (text.startsWith("{")) {
        JsonNode logged = JSON.readTree(text);
        if (logged.hasNonNull("message")) {
          String level = logged.path("level").asText();
          show("function", (level.equals("INFO") ? "" : level + " ") + logged.path("message").asText());
        }
      }
    }

    @Override
    public synchronized void flush() throws IOException {
      file.flush();
    }
  }
}

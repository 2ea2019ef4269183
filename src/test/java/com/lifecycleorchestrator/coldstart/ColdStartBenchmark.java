package com.lifecycleorchestrator.coldstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.deployment.DeployedFunction;
import com.lifecycleorchestrator.lambdaruntime.LambdaCpu;
import com.lifecycleorchestrator.lambdaruntime.LocalRuntimeApi;
import com.lifecycleorchestrator.lambdaruntime.ManagedJavaRuntime;
import com.lifecycleorchestrator.standin.AwsStandIn;
import com.lifecycleorchestrator.standin.StandInAutoScaling;
import com.lifecycleorchestrator.standin.StandInSsm;
import com.lifecycleorchestrator.testkit.DeploymentPackage;
import com.lifecycleorchestrator.testkit.TerminateSample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * The cold-start benchmark: the function started as Lambda's {@code java21} runtime starts it (a
 * fresh JVM per run running the runtime interface client against a local Runtime API, the
 * deployment package as its task root, the AWS stand-in answering its calls) and invoked twice: a
 * terminate event that goes the whole way to {@code CompleteLifecycleAction}, then a continuation
 * of another instance's action. The same runs with the baseline, the function wired the ordinary
 * way ({@link com.lifecycleorchestrator.handler.OrdinaryLifecycleHandler}), alternate with those of
 * the deployment package, and so do those of a function of a few lines that only starts the runbook
 * ({@link StartOnlyFunction}), the floor of the time from the JVM's start to the runbook's. It prints
 * the median and range of each figure and the ratio of the medians; it asserts nothing, but refuses
 * to print figures of a run in which the function did not complete both lifecycle actions with
 * {@code CONTINUE} (or, the few lines, did not start the runbook).
 */
public final class ColdStartBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path WORK = Path.of("target", "coldstart");
  private static final Path BASELINE_EXTRA_CLASSPATH = WORK.resolve("baseline-extra-classpath.txt");
  private static final Path TEST_CLASSES = Path.of("target", "test-classes");
  private static final String ORDINARY_HANDLER = "com.lifecycleorchestrator.handler.OrdinaryLifecycleHandler";
  private static final String START_ONLY_HANDLER = StartOnlyFunction.class.getName();
  /** The baseline's own classes, from the test classes: its handler and the clients it builds. */
  private static final List<String> BASELINE_CLASSES = List.of(ORDINARY_HANDLER.replace('.', '/'),
      "com/lifecycleorchestrator/adapters/SdkDefaultClients");
  private static final Duration INVOCATION_TIMEOUT = Duration.ofMinutes(2);

  private static final String SECOND_INSTANCE = "i-0f1e2d3c4b5a69788";

  /**
   * One way of building the function: its package, its handler, the JVM options its template
   * gives, whether Lambda starts it from a SnapStart snapshot, and whether it only starts the
   * runbook (then it is invoked once, with the terminate event, and nothing else is awaited).
   */
  record Variant(String key, String name, DeploymentPackage functionPackage, String handler,
      Optional<String> javaToolOptions, boolean snapStart, boolean startsOnly) {}

  /**
   * The figures of one cold start. {@code coldStartMillis} runs from the JVM's start (on demand, or
   * SnapStart without a checkpointer) or from the start of the restore to the runtime's first
   * request for an event; {@code snapshotInitMillis} is the init a snapshot was taken after, paid
   * when the version is published (NaN when there was none). {@code firstPauseMillis} is the time
   * from the stand-in's receipt of the first invocation's {@code StartAutomationExecution} to its
   * receipt of the first {@code GetAutomationExecution}: the function's deliberate wait before its
   * first status check, and the little work around it. {@code runbookStartedMillis} runs from the same
   * start to the stand-in's receipt of that {@code StartAutomationExecution}: how long the instance
   * waited, once its event was there, for its runbook to begin.
   */
  record Run(double coldStartMillis, double snapshotInitMillis, double runbookStartedMillis, double firstMillis,
      double firstPauseMillis, double secondMillis, double peakRssMegabytes, double classes) {
    double coldStartAndFirstMillis() {
      return coldStartMillis + firstMillis;
    }

    double coldStartAndFirstLessPauseMillis() {
      return coldStartAndFirstMillis() - firstPauseMillis;
    }
  }

  private final Path javaHome;
  private final int runs;
  private final Optional<String> triedJavaToolOptions;
  private final Duration latency;
  private final Checkpointer.Result snapshots;
  private final boolean lambdasCpu;
  private final DeployedFunction function = DeployedFunction.withDefaults();
  private final String runbook = function.variables().get("AUTOMATION_DOCUMENT_NAME");

  /**
   * @param triedJavaToolOptions JVM options to try on the deployed package in place of the template's
   * @param latency how long the stand-in waits before it answers each of the function's calls, as a
   *     round trip to AWS would take; zero answers at once, on loopback
   * @param snapshots the CRIU that snapshots and restores a SnapStart build, or why there is none
   * @param lambdasCpu whether each JVM gets the CPU Lambda gives the function ({@link LambdaCpu}) rather
   *     than the whole machine
   */
  ColdStartBenchmark(Path javaHome, int runs, Optional<String> triedJavaToolOptions, Duration latency,
      Checkpointer.Result snapshots, boolean lambdasCpu) {
    this.javaHome = javaHome;
    this.runs = runs;
    this.triedJavaToolOptions = triedJavaToolOptions;
    this.latency = latency;
    this.snapshots = snapshots;
    this.lambdasCpu = lambdasCpu;
  }

  public static void main(String[] arguments) throws Exception {
    Map<String, String> options = new LinkedHashMap<>(Map.of("runs", "10", "jvm", System.getProperty("java.home")));
    options.put("try-java-tool-options", "");
    options.put("criu", "criu");
    options.put("latency", "0");
    options.put("cpu", "lambda");
    for (String argument : arguments) {
      if (!argument.startsWith("--") || !argument.contains("=")) {
        throw new IllegalArgumentException("usage: --runs=N --jvm=JAVA_HOME --try-java-tool-options=OPTIONS --criu=PATH"
            + " --latency=MILLISECONDS --cpu=lambda|machine, got " + argument);
      }
      options.put(argument.substring(2, argument.indexOf('=')), argument.substring(argument.indexOf('=') + 1));
    }
    new ColdStartBenchmark(Path.of(options.get("jvm")), Integer.parseInt(options.get("runs")),
        Optional.of(options.get("try-java-tool-options")).filter(tried -> !tried.isBlank()),
        Duration.ofMillis(Long.parseLong(options.get("latency"))), Checkpointer.find(options.get("criu")),
        cpuOption(options.get("cpu"))).run();
    // The stand-ins' and the Runtime APIs' worker threads are daemons; Maven's JVM goes on.
  }

  private static boolean cpuOption(String value) {
    return switch (value) {
      case "lambda" -> true;
      case "machine" -> false;
      default -> throw new IllegalArgumentException("--cpu is lambda or machine, got " + value);
    };
  }

  void run() throws IOException, TimeoutException {
    Variant baseline = new Variant("baseline", "baseline (ordinary)", DeploymentPackage.unshrunk()
        .withClasses(TEST_CLASSES, name -> BASELINE_CLASSES.stream().anyMatch(name::startsWith))
        .withLibraries(DeploymentPackage.classpath(BASELINE_EXTRA_CLASSPATH)),
        ORDINARY_HANDLER + "::handleRequest", Optional.empty(), false, false);
    Variant startOnly = new Variant("start-only", "a few lines (start only)", DeploymentPackage.built()
        .withClasses(TEST_CLASSES, name -> name.startsWith(START_ONLY_HANDLER.replace('.', '/'))),
        START_ONLY_HANDLER + "::handleRequest", function.javaToolOptions(), false, true);
    String tried = triedJavaToolOptions.isPresent() ? ", options tried" : "";
    Optional<String> javaToolOptions = triedJavaToolOptions.or(function::javaToolOptions);
    Variant onDemand = new Variant("on-demand", "on demand" + tried, DeploymentPackage.built(),
        function.handler(), javaToolOptions, false, false);
    Variant snapStart = new Variant("snapstart", (snapshots.checkpointer().isPresent()
        ? "SnapStart restore" : "SnapStart init (no restore)") + tried, DeploymentPackage.built(), function.handler(),
        javaToolOptions, function.snapStart(), false);
    List<Variant> variants = List.of(baseline, startOnly, onDemand, snapStart);
    int memory = function.memoryMegabytes();

    String jvm = javaVersion();
    System.out.printf(Locale.ROOT, "Cold start as Lambda's java21 runtime starts the function: a fresh JVM per run (%s),%n", jvm);
    System.out.printf(Locale.ROOT, "the runtime interface client against a local Runtime API, %d MB as in template.yaml, the AWS%n", memory);
    System.out.println("stand-in behind it. The baseline and the deployed build on demand start as a function without");
    System.out.println("SnapStart does (init on the cold start, keys in the environment), and so does a function of a few");
    System.out.println("lines that only starts the runbook (the SDK's default SSM client in the deployment package), invoked once.");
    System.out.println(snapshots.checkpointer().isPresent()
        ? "The SnapStart column starts as SnapStart starts it: init with the before-checkpoint hooks, a snapshot\n"
            + "(the JVM checkpointed with CRIU and ended), then each cold start is a restore of it, its\n"
            + "after-restore hooks, credentials from the container endpoint. CRIU's restore stands in for\n"
            + "Lambda's; it is not a measurement of Lambda's."
        : "The SnapStart column is initialised for SnapStart (before-checkpoint hooks at the end of init, credentials\n"
            + "from the container endpoint) but NOT snapshotted: its cold start below is its whole init, which\n"
            + "SnapStart pays at publish. Restore not measured: " + snapshots.whyNot() + ".");
    System.out.println("First invocation: events/terminate.json, the whole way to");
    System.out.println("CompleteLifecycleAction, with the function's first status check about 1 s (0.8-1.0 s, jittered)");
    System.out.println("after the start; second: a continuation of another instance's action (status, completion).");
    System.out.println(cpuModel(memory));
    System.out.println(latency.isZero() ? "The stand-in answers each call at once, on loopback."
        : "The stand-in answers each call after " + latency.toMillis() + " ms, as a round trip to AWS would take.");
    System.out.printf(Locale.ROOT, "%d runs of each, alternating, after one untimed run of each; median [min-max];%n", runs);
    System.out.println("ratios are to the baseline's median.");
    System.out.printf(Locale.ROOT, "JAVA_TOOL_OPTIONS: baseline none; deployed %s.%n%n", javaToolOptions
        .map(options -> options + (triedJavaToolOptions.isPresent() ? " (tried, not template.yaml's)" : " (template.yaml's)"))
        .orElse("none (template.yaml sets none)"));

    Map<Variant, Path> roots = new LinkedHashMap<>();
    for (Variant variant : variants) {
      roots.put(variant, fresh(WORK.resolve(variant.key())));
      variant.functionPackage().unpackedIn(roots.get(variant));
    }
    List<Path> runtimeClasspath = ManagedJavaRuntime.runtimeClasspath();

    Map<String, String> variables = function.variables();
    for (Variant variant : variants) {
      coldStart(variant, roots.get(variant), runtimeClasspath, memory, variables, "warm-up");
    }
    Map<Variant, List<Run>> figures = new LinkedHashMap<>();
    for (int run = 1; run <= runs; run++) {
      for (Variant variant : variants) {
        figures.computeIfAbsent(variant, any -> new ArrayList<>())
            .add(coldStart(variant, roots.get(variant), runtimeClasspath, memory, variables, String.valueOf(run)));
      }
    }
    Map<Variant, List<Run>> againstStartOnly = new LinkedHashMap<>();
    againstStartOnly.put(startOnly, figures.remove(startOnly));
    againstStartOnly.put(onDemand, figures.get(onDemand));
    print(figures);
    printAgainstStartOnly(againstStartOnly);
    System.out.printf(Locale.ROOT, "%nThe runtime's output of each run is in %s.%n", WORK);
  }

  /** Starts the variant's JVM, invokes it twice, and takes its figures. */
  /** What CPU each JVM runs with, as the header says it. */
  private String cpuModel(int memory) {
    if (!lambdasCpu) {
      return "CPU: the whole machine's (" + Runtime.getRuntime().availableProcessors() + " cores), at every phase (-Dcpu=machine).";
    }
    LambdaCpu.Result probe = LambdaCpu.create(memory);
    if (probe.cpu() == null) {
      return "CPU: the whole machine's, NOT Lambda's: " + probe.whyNot() + ".";
    }
    try (LambdaCpu cpu = probe.cpu()) {
      return String.format(Locale.ROOT, "CPU as Lambda gives it (a control group's bandwidth limit): a whole vCPU for the init, "
          + "%.1f%% of one%nfor the invocations, in proportion to %d MB (1,769 MB is one vCPU)%s; -Dcpu=machine lifts it.",
          cpu.invocationPercent(), memory, snapshots.checkpointer().isPresent() ? ", not for a CRIU restore" : "");
    }
  }

  private Run coldStart(Variant variant, Path taskRoot, List<Path> runtimeClasspath, int memory,
      Map<String, String> functionVariables, String label) throws IOException, TimeoutException {
    Instant now = Instant.now();
    try (AwsStandIn standIn = AwsStandIn.start(Clock.SYSTEM); LocalRuntimeApi api = LocalRuntimeApi.start()) {
      byte[] terminate = TerminateSample.eventSentAt(now);
      JsonNode detail = JSON.readTree(terminate).path("detail");
      String firstToken = detail.path("LifecycleActionToken").asText();
      String secondToken = UUID.randomUUID().toString();
      prepare(standIn, detail, secondToken, now);
      byte[] continuation = continuationEvent(startExecution(standIn, SECOND_INSTANCE), secondToken, now);
      if (!latency.isZero()) {
        standIn.faults().everyOperation().delay(latency);
      }

      Path output = WORK.resolve(variant.key() + "-" + label + ".log");
      Map<String, String> variables = new LinkedHashMap<>(functionVariables);
      variables.putAll(standIn.endpointVariables());
      ManagedJavaRuntime.Launch launch = new ManagedJavaRuntime.Launch(javaHome, runtimeClasspath, taskRoot.toAbsolutePath(),
          variant.handler(), memory, variables, variant.javaToolOptions(), variant.snapStart(), output.toAbsolutePath());
      Optional<Checkpointer> checkpointer = checkpointerFor(variant);
      if (checkpointer.isPresent()) {
        api.holdRestoreRequest();
      }
      Optional<LambdaCpu> cpu = lambdasCpu && checkpointer.isEmpty()
          ? Optional.ofNullable(LambdaCpu.create(memory).cpu()) : Optional.empty();
      Instant launched = Instant.now();
      try (ManagedJavaRuntime runtime = ManagedJavaRuntime.start(launch, api, cpu)) {
        long coldStartFrom = runtime.startedNanos();
        Instant coldStartAt = launched;
        double snapshotInit = Double.NaN;
        if (checkpointer.isPresent()) {
          snapshotInit = millis(api.awaitRestoreRequest(INVOCATION_TIMEOUT) - runtime.startedNanos());
          Path images = fresh(WORK.resolve("snapshot"));
          checkpointer.get().dump(runtime.pid(), images);
          coldStartFrom = System.nanoTime();
          coldStartAt = Instant.now();
          checkpointer.get().restore(images);
          api.answerRestore();
        }
        long ready = api.awaitReady(INVOCATION_TIMEOUT);
        // The init ends with the runtime's first request for an event; the event is only queued below.
        cpu.ifPresent(LambdaCpu::invoking);
        LocalRuntimeApi.Invocation first = api.invoke(terminate, INVOCATION_TIMEOUT);
        String instance = detail.path("EC2InstanceId").asText();
        if (variant.startsOnly()) {
          if (first.failed()) {
            throw new IllegalStateException("the few lines did not start the runbook; they answered " + first.answer()
                + "; the runtime's output is in " + output);
          }
          return new Run(millis(ready - coldStartFrom), Double.NaN,
              millis(Duration.between(coldStartAt, runbookStart(standIn, instance).at())), Double.NaN, Double.NaN,
              Double.NaN, runtime.peakResidentKilobytes() / 1024.0, runtime.classesLoaded());
        }
        LocalRuntimeApi.Invocation second = api.invoke(continuation, INVOCATION_TIMEOUT);
        requireCompleted(first, standIn, firstToken, output);
        requireCompleted(second, standIn, secondToken, output);
        return new Run(millis(ready - coldStartFrom), snapshotInit,
            millis(Duration.between(coldStartAt, runbookStart(standIn, instance).at())), millis(first.duration()),
            millis(pauseBeforeFirstStatusCheck(standIn, instance)),
            millis(second.duration()), runtime.peakResidentKilobytes() / 1024.0, runtime.classesLoaded());
      } finally {
        cpu.ifPresent(LambdaCpu::close);
      }
    }
  }

  /**
   * The AWS side of both actions: the event's hook holding both instances, their agents online, and
   * a runbook that has succeeded by the function's first status check.
   */
  private void prepare(AwsStandIn standIn, JsonNode detail, String secondToken, Instant now) {
    String group = detail.path("AutoScalingGroupName").asText();
    String hook = detail.path("LifecycleHookName").asText();
    String firstInstance = detail.path("EC2InstanceId").asText();
    standIn.ssm()
        .document(StandInSsm.Document.declaring(runbook, "InstanceId", "AutomationAssumeRole", "AutoScalingGroupName")
            .requiring("InstanceId"))
        .everyExecution(new StandInSsm.Script(List.of(), "Success"))
        .managedInstance(firstInstance, "Online")
        .managedInstance(SECOND_INSTANCE, "Online");
    standIn.autoScaling()
        .hook(StandInAutoScaling.Hook.terminating(group, hook,
            Duration.ofSeconds(Long.parseLong(function.variables().get("HEARTBEAT_TIMEOUT_SECONDS"))), "ABANDON"))
        .hold(group, hook, firstInstance, detail.path("LifecycleActionToken").asText(), now)
        .hold(group, hook, SECOND_INSTANCE, secondToken, now);
  }

  /** The execution an earlier invocation started for the second instance, which the continuation follows. */
  private String startExecution(AwsStandIn standIn, String instance) {
    try (SsmClient ssm = standIn.newSsmClient()) {
      return ssm.startAutomationExecution(request -> request.documentName(runbook)
          .parameters(Map.of("InstanceId", List.of(instance)))).automationExecutionId();
    }
  }

  /** From the start of the instance's runbook to the first question about its status, as the stand-in saw them. */
  private static Duration pauseBeforeFirstStatusCheck(AwsStandIn standIn, String instance) {
    AwsStandIn.Call start = runbookStart(standIn, instance);
    String execution = start.output("AutomationExecutionId").orElseThrow();
    AwsStandIn.Call firstCheck = standIn.calls("GetAutomationExecution").stream()
        .filter(call -> call.member("AutomationExecutionId").orElse("").equals(execution))
        .findFirst().orElseThrow(() -> new IllegalStateException("the function never asked about " + execution));
    return Duration.between(start.at(), firstCheck.at());
  }

  /** The stand-in's receipt of the first StartAutomationExecution for the instance. */
  private static AwsStandIn.Call runbookStart(AwsStandIn standIn, String instance) {
    return standIn.calls("StartAutomationExecution").stream()
        .filter(call -> call.member("Parameters.InstanceId.1").orElse("").equals(instance))
        .findFirst().orElseThrow(() -> new IllegalStateException("the function started no runbook on " + instance));
  }

  /** The sample continuation, for the second instance's action and execution, handed over a minute ago. */
  private static byte[] continuationEvent(String executionId, String token, Instant now) throws IOException {
    ObjectNode event = (ObjectNode) JSON.readTree(Path.of("events", "continuation.json").toFile());
    event.put("id", UUID.randomUUID().toString()).put("time", now.toString());
    ((ObjectNode) event.path("detail"))
        .put("EC2InstanceId", SECOND_INSTANCE)
        .put("LifecycleActionToken", token)
        .put("AutomationExecutionId", executionId)
        .put("LifecycleActionHeldSince", now.minus(Duration.ofMinutes(1)).toString())
        .put("LastHeartbeat", now.minus(Duration.ofMinutes(1)).toString())
        .put("HookDeadline", now.plus(Duration.ofHours(47)).toString());
    return JSON.writeValueAsBytes(event);
  }

  private static void requireCompleted(LocalRuntimeApi.Invocation invocation, AwsStandIn standIn, String token, Path output)
      throws IOException {
    JsonNode answer = invocation.failed() ? JSON.createObjectNode() : JSON.readTree(invocation.answer());
    Optional<StandInAutoScaling.Ending> ending = standIn.autoScaling().ending(token);
    if (invocation.failed() || !answer.path("outcome").asText().equals("Completed")
        || ending.isEmpty() || !ending.get().result().equals("CONTINUE")) {
      throw new IllegalStateException("the function did not complete the lifecycle action with CONTINUE; it answered "
          + invocation.answer() + "; the runtime's output is in " + output);
    }
  }

  private void print(Map<Variant, List<Run>> figures) {
    List<Variant> variants = List.copyOf(figures.keySet());
    Variant baseline = variants.get(0);
    StringBuilder format = new StringBuilder("%-42s %-28s");
    List<String> header = new ArrayList<>(List.of("", baseline.name()));
    for (Variant variant : variants.subList(1, variants.size())) {
      format.append(" %-28s %-5s");
      header.addAll(List.of(variant.name(), "ratio"));
    }
    String line = format.append("%n").toString();
    System.out.printf(Locale.ROOT, line, header.toArray());
    row(line, "cold start (init or restore) to ready", figures, Run::coldStartMillis, "%,.0f ms");
    row(line, "cold start to the runbook started", figures, Run::runbookStartedMillis, "%,.0f ms");
    row(line, "first invocation (terminate event)", figures, Run::firstMillis, "%,.0f ms");
    row(line, "  of which the pause before the 1st check", figures, Run::firstPauseMillis, "%,.0f ms");
    row(line, "cold start + first invocation", figures, Run::coldStartAndFirstMillis, "%,.0f ms");
    row(line, "cold start + first, less that pause", figures, Run::coldStartAndFirstLessPauseMillis, "%,.0f ms");
    row(line, "second invocation (continuation)", figures, Run::secondMillis, "%,.0f ms");
    row(line, "peak RSS (VmHWM)", figures, Run::peakRssMegabytes, "%,.1f MB");
    row(line, "classes loaded", figures, Run::classes, "%,.0f");
    long baselineSize = baseline.functionPackage().zipped().length;
    List<Object> sizes = new ArrayList<>(List.of("deployment package (zip)", megabytes(baselineSize)));
    List<Object> jars = new ArrayList<>(List.of("  of which jars in lib/", libraries(baseline)));
    List<Object> snapshotInit = new ArrayList<>(List.of("init before the snapshot (at publish)", ""));
    for (Variant variant : variants.subList(1, variants.size())) {
      long size = variant.functionPackage().zipped().length;
      // Sizes do not vary between runs: one more digit than the timings, so that a ratio near a
      // target is not rounded onto it.
      sizes.addAll(List.of(megabytes(size), String.format(Locale.ROOT, "%.3f", (double) size / baselineSize)));
      jars.addAll(List.of(libraries(variant), ""));
      snapshotInit.addAll(checkpointerFor(variant).isPresent()
          ? List.of(summary(figures.get(variant), Run::snapshotInitMillis, "%,.0f ms"), "") : List.of("", ""));
    }
    System.out.printf(Locale.ROOT, line, sizes.toArray());
    System.out.printf(Locale.ROOT, line, jars.toArray());
    if (variants.stream().anyMatch(variant -> checkpointerFor(variant).isPresent())) {
      System.out.printf(Locale.ROOT, line, snapshotInit.toArray());
    }
  }

  /**
   * The deployed build on demand against the few lines that only start the runbook, from the same
   * runs: what the function's checks and records cost before the runbook starts.
   */
  private static void printAgainstStartOnly(Map<Variant, List<Run>> figures) {
    List<Variant> variants = List.copyOf(figures.keySet());
    String line = "%-42s %-28s %-28s %-5s%n";
    System.out.printf(Locale.ROOT, "%nWithout SnapStart, against a function of a few lines that only calls StartAutomationExecution:%n");
    System.out.printf(Locale.ROOT, line, "", variants.get(0).name(), variants.get(1).name(), "ratio");
    row(line, "cold start (init) to ready", figures, Run::coldStartMillis, "%,.0f ms");
    row(line, "JVM start to the runbook started", figures, Run::runbookStartedMillis, "%,.0f ms");
    row(line, "peak RSS (VmHWM)", figures, Run::peakRssMegabytes, "%,.1f MB");
    row(line, "classes loaded", figures, Run::classes, "%,.0f");
  }

  /** The CRIU that snapshots and restores this build, if it is a SnapStart build and there is one. */
  private Optional<Checkpointer> checkpointerFor(Variant variant) {
    return snapshots.checkpointer().filter(present -> variant.snapStart());
  }

  /** One figure of every variant, each deployed one with the ratio of its median to the baseline's. */
  private static void row(String line, String label, Map<Variant, List<Run>> figures, ToDoubleFunction<Run> figure,
      String unit) {
    List<List<Run>> runs = List.copyOf(figures.values());
    double baselineMedian = median(runs.get(0), figure);
    List<Object> cells = new ArrayList<>(List.of(label, summary(runs.get(0), figure, unit)));
    for (List<Run> deployed : runs.subList(1, runs.size())) {
      cells.addAll(List.of(summary(deployed, figure, unit),
          String.format(Locale.ROOT, "%.2f", median(deployed, figure) / baselineMedian)));
    }
    System.out.printf(Locale.ROOT, line, cells.toArray());
  }

  private static String summary(List<Run> runs, ToDoubleFunction<Run> figure, String unit) {
    double[] sorted = runs.stream().mapToDouble(figure).sorted().toArray();
    return String.format(Locale.ROOT, unit, median(runs, figure)) + " [" + String.format(Locale.ROOT, unit, sorted[0])
        .replaceAll(" .*", "") + "-" + String.format(Locale.ROOT, unit, sorted[sorted.length - 1]).replaceAll(" .*", "") + "]";
  }

  static double median(List<Run> runs, ToDoubleFunction<Run> figure) {
    double[] sorted = runs.stream().mapToDouble(figure).sorted().toArray();
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
  }

  private static String libraries(Variant variant) {
    return variant.functionPackage().entries().keySet().stream().filter(name -> name.startsWith("lib/")).count() + " jars";
  }

  private String javaVersion() throws IOException {
    Path release = javaHome.resolve("release");
    return Files.readAllLines(release).stream()
        .filter(line -> line.startsWith("JAVA_VERSION="))
        .map(line -> "Java " + line.substring("JAVA_VERSION=".length()).replace("\"", "") + " at " + javaHome)
        .findFirst()
        .orElse(javaHome.toString());
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static double millis(Duration duration) {
    return duration.toNanos() / 1e6;
  }

  private static Path fresh(Path directory) {
    try {
      if (Files.exists(directory)) {
        try (var files = Files.walk(directory)) {
          files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
      }
      return Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

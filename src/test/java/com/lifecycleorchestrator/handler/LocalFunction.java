package com.lifecycleorchestrator.handler;

import com.lifecycleorchestrator.adapters.AwsClients;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.core.Timings;
import com.lifecycleorchestrator.settings.Settings;
import com.lifecycleorchestrator.standin.AwsStandIn;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The function as Lambda builds it at cold start, for runs outside Lambda: its settings read from
 * the variables given, its SDK clients built by its own factory with throw-away credentials, and
 * the clock given. The clients reach an {@link AwsStandIn} through the SDK's own endpoint system
 * properties, exactly as {@code AWS_ENDPOINT_URL_SSM} and its kin would send them in a container,
 * so the function runs without a line of code of its own that knows about the stand-in.
 */
public final class LocalFunction {

  private LocalFunction() {}

  public static LifecycleHandler against(AwsStandIn standIn, Map<String, String> environment, Clock clock) {
    return against(standIn, environment, clock, Settings.from(environment).sdk());
  }

  /**
   * The function with SDK clients of these attempts and timeouts instead of its own. Synchronized,
   * because the endpoint properties it sets for a moment are the whole JVM's.
   */
  public static synchronized LifecycleHandler against(AwsStandIn standIn, Map<String, String> environment,
      Clock clock, Timings.Sdk sdk) {
    Settings settings = Settings.from(environment);
    // The SDK reads the endpoint properties when a client is built; they are restored at once, so
    // that nothing else in this JVM is sent to the stand-in by accident.
    Map<String, String> before = new HashMap<>();
    standIn.sdkEndpointProperties().forEach((name, url) -> before.put(name, System.setProperty(name, url)));
    try {
      AwsClients clients = AwsClients.of(settings.region(),
          StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")), sdk);
      // The function builds these two when it first hands over or parks: here, while the
      // properties point at the stand-in.
      clients.lambda();
      clients.sqs();
      return LifecycleHandler.wiredTo(settings, clients, clock);
    } finally {
      before.forEach((name, value) -> {
        if (value == null) {
          System.clearProperty(name);
        } else {
          System.setProperty(name, value);
        }
      });
    }
  }
}

import java.util.concurrent.CountDownLatch;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;

/**
 * One Elasticsearch node for the test suite, on 127.0.0.1 and a port of the caller's choosing.
 *
 * The runner's own main() only takes ports up to 9299; this sets the port exactly and binds to loopback.
 * Usage: TestNode DATA_DIR HTTP_PORT. The node keeps DATA_DIR across a kill, so a test can restart it on
 * the same data (the runner deletes its base path only on an orderly close, which SIGTERM triggers here).
 */
public final class TestNode {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: TestNode DATA_DIR HTTP_PORT");
            System.exit(2);
        }
        String base = args[0];
        int port = Integer.parseInt(args[1]);
        ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        runner.setMaxHttpPort(port + 1);
        runner.onBuild((number, settings) -> {
            settings.put("http.port", String.valueOf(port));
            settings.put("network.host", "127.0.0.1");
            settings.put("transport.port", "0");
            // A nearly full disk on a CI machine must not put read-only blocks on the test indices; the
            // write-block case sets that block itself.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            settings.put("action.auto_create_index", "true");
        });
        runner.build(ElasticsearchClusterRunner.newConfigs()
                .basePath(base).numOfNode(1).baseHttpPort(port - 1).clusterName("copilot-usage-tests")
                .disableESLogger());
        runner.ensureYellow();
        System.out.println("READY http://127.0.0.1:" + port);
        System.out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                // exiting anyway
            }
            stop.countDown();
        }));
        stop.await();
    }
}
